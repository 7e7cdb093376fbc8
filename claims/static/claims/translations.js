// Turns a translation's text and quote to the direction of the language typed beside them, so Arabic
// reads right to left as soon as "ar" is entered. The right-to-left languages come from the page
// (data-rtl-languages, written from claims.translations.RTL_LANGUAGES), not from a list of our own here.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const editor of document.querySelectorAll(".translations-editor")) {
    const rtl = new Set(editor.dataset.rtlLanguages.split(" "));
    const rtlScripts = new Set(["arab", "hebr", "thaa", "syrc", "nkoo", "adlm"]);
    const direction = (tag) => {
      const parts = tag.trim().toLowerCase().split("-");
      if (!parts[0]) return "auto";
      const script = parts.slice(1).find((part) => part.length === 4 && /^[a-z]+$/.test(part));
      if (script) return rtlScripts.has(script) ? "rtl" : "ltr";
      return rtl.has(parts[0]) ? "rtl" : "ltr";
    };
    for (const row of editor.querySelectorAll(".translation-row")) {
      const language = row.querySelector(".translation-language");
      language.addEventListener("input", () => {
        for (const area of row.querySelectorAll("textarea")) {
          area.dir = direction(language.value);
          if (language.value.trim()) area.lang = language.value.trim();
          else area.removeAttribute("lang");
        }
      });
    }
  }
});
