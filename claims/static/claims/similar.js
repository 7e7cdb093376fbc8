// Refreshes the "Similar claims already recorded" box of the claim form while the editor types,
// so a duplicate shows up before the claim is saved. Without script, the box shows the claims
// similar to the text as last saved or submitted.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("similar-claims");
  const input = document.getElementById("id_text");
  if (!box || !input) return;
  const list = box.querySelector("ul");
  let timer = null;
  let latest = 0;

  function item(claim) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = box.dataset.changeUrl.replace("/0/", `/${claim.id}/`);
    link.textContent = `#${claim.id}`;
    const score = document.createElement("span");
    score.className = "similarity";
    score.textContent = ` (${claim.similarity.toFixed(2)})`;
    const via = document.createElement("span");
    via.className = "matched-via";
    const translated = claim.matched_via.kind === "translation" ? ", its translation" : "";
    via.textContent = ` [${claim.matched_via.language}${translated}]`;
    li.append(link, ` ${claim.source.name}, ${claim.claimed_on}: ${claim.text}`, score, via);
    return li;
  }

  async function refresh() {
    const text = input.value.trim().slice(0, 500); // the start is enough to find a duplicate
    const request = ++latest;
    const params = new URLSearchParams({ text });
    if (box.dataset.exclude) params.set("exclude", box.dataset.exclude);
    let claims = [];
    if (text) {
      const response = await fetch(`${box.dataset.url}?${params}`, { headers: { Accept: "application/json" } });
      if (!response.ok) return; // keep what is shown rather than a misleading empty list
      claims = await response.json();
    }
    if (request !== latest) return; // an older answer arriving after a newer one
    const none = document.createElement("li");
    none.className = "none";
    none.textContent = "No similar claim found.";
    list.replaceChildren(...(claims.length ? claims.map(item) : [none]));
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
});
