/* The scoring sheet's running total ("Tổng điểm đang chấm"): the sum of the valid whole points typed
   so far, updated on every keystroke. Without JavaScript the server shows the same total after each
   submit (dvkheo.review.scoring.typed_total); blank, decimal or over-maximum entries count as 0 in both. */
(function () {
  "use strict";

  var output = document.getElementById("score-total");
  if (!output) {
    return;
  }
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-score-max]"));

  function valid(input) {
    var text = input.value.trim();
    if (!/^\d{1,6}$/.test(text)) {
      return 0;
    }
    var value = parseInt(text, 10);
    var maximum = parseInt(input.getAttribute("data-score-max"), 10);
    return value <= maximum ? value : 0;
  }

  // "Hoàn tất chấm điểm" asks first only for a sheet the server would take, as the server does
  // (review/scoring_views.py): an incomplete or refused sheet goes straight to the server, which
  // marks every problem at once; a complete one opens the dialog with the total it would lock.
  var form = output.closest("form");
  var finalise = form ? form.querySelector("button[data-confirm-question]") : null;
  var baseDetails = finalise ? (finalise.getAttribute("data-confirm-details") || "") : "";
  var commentsRequired = form ? form.hasAttribute("data-comments-required") : false;
  var maxTotal = form ? form.getAttribute("data-max-total") : null;

  function complete(input) {
    var text = input.value.trim();
    if (!/^\d{1,6}$/.test(text) || parseInt(text, 10) > parseInt(input.getAttribute("data-score-max"), 10)) {
      return false;
    }
    if (!commentsRequired) {
      return true;
    }
    var comment = form.querySelector("[name='" + input.name.replace(/^points_/, "comment_") + "']");
    return !comment || comment.value.trim() !== "";
  }

  function update() {
    var total = inputs.reduce(function (sum, input) { return sum + valid(input); }, 0);
    output.value = String(total);
    output.textContent = String(total);
    if (finalise) {
      if (inputs.every(complete)) {
        finalise.removeAttribute("data-confirm-skip");
        finalise.setAttribute("data-confirm-details",
          (baseDetails ? baseDetails + "\n" : "") + "Tổng điểm: " + total + (maxTotal ? "/" + maxTotal : ""));
      } else {
        finalise.setAttribute("data-confirm-skip", "");
      }
    }
  }

  inputs.forEach(function (input) { input.addEventListener("input", update); });
  if (form) {
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") { update(); }
    });
  }
  update();
}());
