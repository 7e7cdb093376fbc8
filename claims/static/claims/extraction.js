// The review of extracted drafts, made quicker to work through: clicking a highlighted passage
// shows its draft's form and the other way round, and unticking "Include" greys both out.
// Without script, the numbers are plain links between the two.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("extract-form");
  if (!form) return;

  function focus(number, target) {
    for (const el of form.querySelectorAll(".current")) el.classList.remove("current");
    const span = document.getElementById(`span-${number}`);
    const draft = document.getElementById(`draft-${number}`);
    for (const el of [span, draft]) if (el) el.classList.add("current");
    if (target) target.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  form.addEventListener("click", (event) => {
    const mark = event.target.closest("mark.draft-span");
    if (mark) {
      event.preventDefault();
      focus(mark.dataset.draft, document.getElementById(`draft-${mark.dataset.draft}`));
      return;
    }
    const heading = event.target.closest("fieldset.draft h2 a.draft-number");
    if (heading) {
      event.preventDefault();
      const number = heading.closest("fieldset.draft").dataset.draft;
      focus(number, document.getElementById(`span-${number}`));
    }
  });

  form.addEventListener("change", (event) => {
    if (!event.target.matches("input[name$='-include']")) return;
    const draft = event.target.closest("fieldset.draft");
    const span = document.getElementById(`span-${draft.dataset.draft}`);
    for (const el of [draft, span]) if (el) el.classList.toggle("excluded", !event.target.checked);
  });
});
