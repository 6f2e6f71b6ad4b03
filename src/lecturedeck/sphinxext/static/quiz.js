// Quiz options: a click (or Enter / Space on a focused option) says right or wrong, in the
// quiz's live region, which screen readers announce. Works from file:// too; needs no server.
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const option = event.target.closest(".quiz-option");
    if (!option) return;
    const right = option.dataset.correct === "1";
    option.classList.add(right ? "quiz-right" : "quiz-wrong");
    option.setAttribute("aria-pressed", "true");
    const quiz = option.closest(".quiz");
    let feedback = quiz.querySelector(".quiz-feedback");
    if (!feedback) {
      feedback = document.createElement("span");
      feedback.className = "quiz-feedback";
      feedback.setAttribute("aria-live", "polite");
      quiz.querySelector(".quiz-options").appendChild(feedback);
    }
    feedback.textContent = right ? "Right!" : "Not quite, try again";
    feedback.dataset.right = right ? "1" : "0";
  });
})();
