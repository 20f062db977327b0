// Brings the highlighted passage of a citation page into view and gives it the focus.
(function () {
  "use strict";
  const cited = document.getElementById("cited");
  if (cited) {
    cited.scrollIntoView({ block: "center" });
    cited.focus({ preventScroll: true });
  }
})();
