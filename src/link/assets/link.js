// ofconnect Link pages: embed messaging (OFAuth's postMessage protocol), exit requests, focus and double-submit guard.
// Served from /link/assets so the pages' CSP can forbid inline scripts.
(function () {
  'use strict';
  var body = document.body;
  var parentOrigin = body.getAttribute('data-embed-origin');
  var step = body.getAttribute('data-step') || 'error';
  var isFramed = window.parent !== window;

  // Messages go only to the embed origin the server checked against the app's allowed origins.
  function post(event, metadata) {
    if (!parentOrigin || !isFramed) return;
    var message = { type: 'OFAUTH_LINK', event: event };
    if (metadata !== undefined) message.metadata = metadata;
    window.parent.postMessage(message, parentOrigin);
  }

  if (parentOrigin) {
    var queued = [];
    try { queued = JSON.parse(body.getAttribute('data-messages') || '[]'); } catch (e) { queued = []; }
    post('loaded');
    queued.forEach(function (m) { post(m.event, m.metadata); });
  }

  window.addEventListener('message', function (e) {
    if (!parentOrigin || e.origin !== parentOrigin || e.source !== window.parent) return;
    var data = e.data;
    if (!data || data.type !== 'OFAUTH_LINK' || data.event !== 'exit_requested') return;
    var type = data.force ? 'forced_exit' : 'user_exit';
    var form = document.querySelector('form[data-cancel]');
    if (form) {
      form.elements.exit_type.value = type;
      form.submit();
      return;
    }
    post('exit', { type: type, step: step, error: null });
  });

  document.addEventListener('click', function (e) {
    var target = e.target && e.target.closest ? e.target.closest('[data-exit]') : null;
    if (!target || !parentOrigin) return;
    e.preventDefault();
    try { post('exit', JSON.parse(target.getAttribute('data-exit'))); } catch (err) { post('exit', { type: 'error', step: step, error: null }); }
  });

  // A slow step shows a spinner and "Signing in…" on its button, then says it is still working, then that it has
  // waited too long (the post is still running, so the page is not resubmitted: reloading shows where it stands).
  var SLOW_MS = 8000;
  var TIMEOUT_MS = 60000;
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.getAttribute('data-busy')) { e.preventDefault(); return; }
    form.setAttribute('data-busy', '1');
    var button = form.querySelector('button[type=submit]');
    if (button) button.setAttribute('aria-busy', 'true');
    if (!form.hasAttribute('data-busy-form') || !button) return;
    var label = button.querySelector('.label');
    var busyLabel = button.getAttribute('data-busy-label');
    if (label && busyLabel) label.textContent = busyLabel;
    var status = form.querySelector('.busy-status');
    if (!status) return;
    setTimeout(function () { status.textContent = status.getAttribute('data-slow'); }, SLOW_MS);
    setTimeout(function () { status.textContent = status.getAttribute('data-timeout'); }, TIMEOUT_MS);
  });

  // Show password: a toggle for people who want to check what they typed (hidden without JavaScript).
  Array.prototype.forEach.call(document.querySelectorAll('[data-reveal]'), function (toggle) {
    var input = document.getElementById(toggle.getAttribute('data-reveal'));
    if (!input) return;
    toggle.hidden = false;
    toggle.addEventListener('click', function () {
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', show ? 'true' : 'false');
      input.focus();
    });
  });
  // A password shown as text is never sent or kept that way by the browser's form history.
  document.addEventListener('submit', function (e) {
    var input = e.target.querySelector && e.target.querySelector('#password');
    if (input && input.type === 'text') input.type = 'password';
  }, true);

  // Errors move focus to the field to fix (screen readers also hear the role=alert text).
  var focusTarget = document.querySelector('[data-focus]');
  if (focusTarget) focusTarget.focus();

  // ---- link-embed (issue #19): Escape inside an embedded page closes the host's modal --------------------------
  // Keys pressed in the frame never reach the host page, so Escape is forwarded as exit_requested; the embed answers
  // with its own exit_requested, which the listener above turns into the cancel form (or an exit message).
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' || e.defaultPrevented || !parentOrigin || !isFramed) return;
    e.preventDefault();
    post('exit_requested');
  });
})();
