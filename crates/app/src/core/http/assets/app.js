// DCRC's only script: behaviour that would otherwise need inline handlers, which the
// Content-Security-Policy forbids.
document.addEventListener('click', (event) => {
  const print = event.target.closest('[data-print]');
  if (print) {
    event.preventDefault();
    window.print();
  }
});
