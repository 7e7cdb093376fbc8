// Counts the article's text while the editor pastes and edits it, against the limit in the help
// text. Counted in characters as the server counts them (code points, not UTF-16 units); the
// textarea's value has "\n" line ends, as the server stores them. Without script, the help text
// gives the saved text's length.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const body = document.getElementById("id_body");
  const count = document.querySelector(".body-length");
  if (!body || !count) return;
  const show = () => {
    count.textContent = [...body.value].length.toLocaleString("en");
  };
  body.addEventListener("input", show);
  show();
});
