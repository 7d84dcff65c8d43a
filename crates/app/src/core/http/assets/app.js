// DCRC's only script: behaviour that would otherwise need inline handlers, which the
// Content-Security-Policy forbids. Every page works without it.
document.addEventListener('click', (event) => {
  const print = event.target.closest('[data-print]');
  if (print) {
    event.preventDefault();
    window.print();
  }
  const confirmText = event.target.closest('[data-confirm]');
  if (confirmText && !window.confirm(confirmText.getAttribute('data-confirm'))) {
    event.preventDefault();
  }
});

// A refused form: bring its summary into view for screen readers and keyboards.
window.addEventListener('DOMContentLoaded', () => {
  const invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
});

// The customer picker: matches appear while typing (the 查找 button does the same
// without the script).
document.addEventListener('input', (event) => {
  const input = event.target.closest('[data-picker-input]');
  if (!input) return;
  const name = input.getAttribute('data-picker-input');
  const box = document.querySelector(`#picker-${name} .picker-results`);
  clearTimeout(input._timer);
  input._timer = setTimeout(async () => {
    const q = input.value.trim();
    if (q.length < 2) return;
    const response = await fetch(`/customers/pick?q=${encodeURIComponent(q)}`, { credentials: 'same-origin' });
    if (!response.ok) return;
    const items = await response.json();
    const checked = box.querySelector('input:checked');
    box.replaceChildren();
    if (checked) box.append(checked.closest('label'));
    for (const item of items) {
      if (checked && checked.value === String(item.id)) continue;
      const label = document.createElement('label');
      label.className = 'check pick';
      const radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = name;
      radio.value = item.id;
      label.append(radio, ' ', item.label);
      box.append(label);
    }
  }, 250);
});
