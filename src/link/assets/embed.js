/* ofconnect Link embed: the same API as OFAuth's @ofauth/link-embed (OFAuthLinkEmbed.create / init, the <ofauth-link>
   element), for a self-hosted Link host, shown as a modal dialog: a close button, Escape (on the host page or inside
   the Link page, which forwards it as exit_requested), a click on the backdrop (closeOnBackdropClick, default on),
   focus kept inside and given back to the opener, the page behind not scrolling, full screen at 480 px wide or less.
   Messages are trusted only from the Link URL's own origin and from the iframe it opened. Styles are set through the
   CSSOM (element.style), which a host page's CSP does not block, where a <style> element could be. */
(function (w, d) {
  'use strict';
  var TYPE = 'OFAUTH_LINK';
  var current = d.currentScript;
  // The named steps a Link page reports (onEvent); exit and success also reach onClose / onSuccess.
  var STEP_EVENTS = ['opened', 'consent_accepted', 'credentials_submitted', '2fa_requested', '2fa_submitted', 'error', 'restarted'];
  var SMALL_VIEWPORT = '(max-width: 480px)';

  function originOf(url) {
    try { return new URL(url, w.location.href).origin; } catch (e) { return null; }
  }

  function embedUrl(url, theme) {
    var u = new URL(url, w.location.href);
    u.searchParams.set('embed', 'true');
    u.searchParams.set('embed_origin', w.location.origin);
    u.searchParams.set('theme', theme || 'auto');
    return u.toString();
  }

  function setStyles(el, styles) {
    for (var key in styles) el.style.setProperty(key, styles[key]);
  }

  function create(options) {
    options = options || {};
    var url = options.url || null;
    var theme = options.theme || 'auto';
    var closesOnBackdrop = options.closeOnBackdropClick !== false;
    var overlay = null;
    var dialog = null;
    var frame = null;
    var closeButton = null;
    var closeTimer = null;
    var hasLoaded = false;
    var opener = null;
    var restore = null;
    var media = w.matchMedia ? w.matchMedia(SMALL_VIEWPORT) : null;
    var resolveReady;
    var ready = new Promise(function (resolve) { resolveReady = resolve; });

    function call(name, a, b) {
      if (typeof options[name] === 'function') options[name](a, b);
    }

    function onMessage(e) {
      if (!frame || e.source !== frame.contentWindow || e.origin !== originOf(url)) return;
      var data = e.data;
      if (!data || data.type !== TYPE) return;
      var meta = data.metadata;
      if (data.event === 'loaded') {
        if (!hasLoaded) { hasLoaded = true; resolveReady(); call('onLoad'); }
      } else if (data.event === 'success') {
        teardown();
        call('onEvent', 'success', meta);
        call('onSuccess', meta);
        if (meta && meta.redirect && meta.successUrl) w.location.assign(meta.successUrl);
      } else if (data.event === 'exit') {
        teardown();
        call('onEvent', 'exit', meta);
        call('onClose', meta);
      } else if (data.event === 'exit_requested') {
        // Escape (or another close gesture) inside the Link page: the host cannot see keys pressed in the frame.
        api.close();
      } else if (data.event === 'invalid_session') {
        call('onInvalidSession');
      } else if (data.event === 'sandbox_info') {
        call('onSandboxInfo', meta);
      } else if (STEP_EVENTS.indexOf(data.event) !== -1) {
        call('onEvent', data.event, meta);
      }
    }

    function onKey(e) {
      if (e.key === 'Escape') { e.preventDefault(); api.close(); }
    }

    // Focus that lands outside the dialog (a click on the page behind, a tab past its end) is brought back in.
    function onFocusIn(e) {
      if (overlay && !overlay.contains(e.target)) focusInside();
    }

    function focusInside() {
      if (frame) frame.focus({ preventScroll: true });
    }

    function fitViewport() {
      if (!dialog) return;
      var isSmall = !!(media && media.matches);
      setStyles(dialog, isSmall
        ? { width: '100vw', height: '100vh', 'max-width': 'none', 'max-height': 'none', 'border-radius': '0' }
        : { width: '400px', height: '600px', 'max-width': '100vw', 'max-height': '100vh', 'border-radius': '14px' });
    }

    function sentinel(onFocus) {
      var el = d.createElement('span');
      el.tabIndex = 0;
      el.setAttribute('data-focus-guard', '');
      setStyles(el, { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', opacity: '0' });
      el.addEventListener('focus', onFocus);
      return el;
    }

    function lockPage() {
      var root = d.documentElement;
      var siblings = [];
      Array.prototype.forEach.call(d.body.children, function (el) {
        if (el !== overlay && !el.hasAttribute('inert')) { el.setAttribute('inert', ''); siblings.push(el); }
      });
      restore = { rootOverflow: root.style.overflow, bodyOverflow: d.body.style.overflow, inert: siblings };
      root.style.overflow = 'hidden';
      d.body.style.overflow = 'hidden';
    }

    function unlockPage() {
      if (!restore) return;
      d.documentElement.style.overflow = restore.rootOverflow;
      d.body.style.overflow = restore.bodyOverflow;
      restore.inert.forEach(function (el) { el.removeAttribute('inert'); });
      restore = null;
    }

    // The element that had focus, looking into shadow roots (the <ofauth-link> button is inside one).
    function focusedElement() {
      var el = d.activeElement;
      while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
      return el;
    }

    function build() {
      opener = focusedElement();
      overlay = d.createElement('div');
      overlay.setAttribute('data-ofconnect-link-overlay', '');
      setStyles(overlay, {
        position: 'fixed', inset: '0', 'z-index': '2147483000', background: 'rgba(0,0,0,.45)',
        display: 'flex', 'align-items': 'center', 'justify-content': 'center', 'overscroll-behavior': 'contain',
      });
      overlay.addEventListener('click', function (e) {
        if (e.target === overlay && closesOnBackdrop) api.close();
      });

      dialog = d.createElement('div');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-label', 'Connect your OnlyFans account');
      setStyles(dialog, { position: 'relative', overflow: 'hidden', background: 'transparent', 'box-shadow': '0 10px 40px rgba(0,0,0,.35)' });

      frame = d.createElement('iframe');
      frame.src = embedUrl(url, theme);
      frame.title = 'Connect your OnlyFans account';
      frame.setAttribute('allow', 'camera; microphone; clipboard-read; clipboard-write');
      setStyles(frame, { width: '100%', height: '100%', border: '0', display: 'block', background: 'transparent' });

      closeButton = d.createElement('button');
      closeButton.type = 'button';
      closeButton.setAttribute('aria-label', 'Close');
      closeButton.setAttribute('data-ofconnect-link-close', '');
      closeButton.textContent = '\u00d7';
      setStyles(closeButton, {
        position: 'absolute', top: '8px', right: '8px', width: '32px', height: '32px', 'border-radius': '16px',
        border: '0', background: 'rgba(0,0,0,.6)', color: '#fff', 'font-size': '20px', 'line-height': '32px',
        padding: '0', cursor: 'pointer', 'z-index': '1',
      });
      closeButton.addEventListener('click', function () { api.close(); });

      // Tab order inside the dialog: [guard] iframe (its fields) → close button [guard], wrapping round.
      dialog.appendChild(sentinel(function () { closeButton.focus({ preventScroll: true }); }));
      dialog.appendChild(frame);
      dialog.appendChild(closeButton);
      dialog.appendChild(sentinel(focusInside));
      overlay.appendChild(dialog);
      fitViewport();
      if (media) media.addEventListener('change', fitViewport);
      d.body.appendChild(overlay);
      lockPage();
      w.addEventListener('message', onMessage);
      d.addEventListener('keydown', onKey);
      d.addEventListener('focusin', onFocusIn);
      focusInside();
    }

    function teardown() {
      if (closeTimer) { clearTimeout(closeTimer); closeTimer = null; }
      if (!overlay) return;
      if (overlay.parentNode) overlay.parentNode.removeChild(overlay);
      if (media) media.removeEventListener('change', fitViewport);
      w.removeEventListener('message', onMessage);
      d.removeEventListener('keydown', onKey);
      d.removeEventListener('focusin', onFocusIn);
      unlockPage();
      overlay = dialog = frame = closeButton = null;
      hasLoaded = false;
      var back = opener;
      opener = null;
      if (back && back.isConnected && typeof back.focus === 'function') back.focus({ preventScroll: true });
    }

    var api = {
      ready: ready,
      open: function (nextUrl) {
        if (nextUrl) url = nextUrl;
        if (!url) throw new Error('OFAuthLinkEmbed: open() needs a Link URL');
        if (!frame) build();
      },
      // Asks the Link page to exit (it cancels the session and answers with "exit"); a silent page is removed after 2 s.
      close: function (opts) {
        if (!frame) return;
        var force = !!(opts && opts.force);
        frame.contentWindow.postMessage({ type: TYPE, event: 'exit_requested', force: force }, originOf(url));
        if (!closeTimer) {
          closeTimer = setTimeout(function () {
            var meta = { type: force ? 'forced_exit' : 'user_exit', error: null };
            teardown();
            call('onEvent', 'exit', meta);
            call('onClose', meta);
          }, 2000);
        }
      },
      destroy: function () { teardown(); },
      cleanup: function () { teardown(); },
      setUrl: function (nextUrl) {
        url = nextUrl;
        if (frame) frame.src = embedUrl(nextUrl, theme);
      }
    };
    return api;
  }

  function emitter(el) {
    return function (name, detail) {
      el.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true, composed: true }));
    };
  }

  // Handlers that turn the embed's callbacks into DOM events on `el` (the init() buttons and <ofauth-link>).
  function domCallbacks(el) {
    var emit = emitter(el);
    return {
      onLoad: function () { emit('loaded'); },
      onSuccess: function (m) { emit('success', m); },
      onClose: function (m) { emit('close', m); emit('exit', m); },
      onInvalidSession: function () { emit('invalid_session'); },
      onSandboxInfo: function (m) { emit('sandbox_info', m); },
      onEvent: function (name, m) { emit('event', { name: name, metadata: m }); }
    };
  }

  // Buttons and links marked data-ofauth-link (or data-ofconnect-link) open the Link URL from the attribute or href.
  function init() {
    var nodes = d.querySelectorAll('[data-ofauth-link],[data-ofconnect-link]');
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.__ofconnectLink) return;
      el.__ofconnectLink = true;
      el.addEventListener('click', function (e) {
        e.preventDefault();
        var url = el.getAttribute('data-ofauth-link') || el.getAttribute('data-ofconnect-link') || el.getAttribute('href');
        var theme = el.getAttribute('data-ofauth-theme') || el.getAttribute('data-ofconnect-theme') || 'auto';
        var callbacks = domCallbacks(el);
        callbacks.url = url;
        callbacks.theme = theme;
        callbacks.closeOnBackdropClick = el.getAttribute('data-close-on-backdrop') !== 'false';
        create(callbacks).open();
      });
    });
  }

  /* <ofauth-link url="…" theme="dark" label="Connect Account" close-on-backdrop="false">: a button (its text from
     the slot, else `label`) that opens the modal, and DOM events loaded, success, close / exit, invalid_session,
     sandbox_info and event ({name, metadata}) on the element, bubbling out of its shadow root. */
  function defineElement() {
    if (!w.customElements || w.customElements.get('ofauth-link')) return;
    var label = function (el) { return el.getAttribute('label') || 'Connect Account'; };
    w.customElements.define('ofauth-link', class extends HTMLElement {
      static get observedAttributes() { return ['label']; }
      connectedCallback() {
        if (this.shadowRoot) return;
        var root = this.attachShadow({ mode: 'open' });
        var button = d.createElement('button');
        button.type = 'button';
        button.setAttribute('part', 'button');
        var slot = d.createElement('slot');
        slot.textContent = label(this);
        button.appendChild(slot);
        root.appendChild(button);
        button.addEventListener('click', this.open.bind(this));
      }
      attributeChangedCallback() {
        var slot = this.shadowRoot && this.shadowRoot.querySelector('slot');
        if (slot) slot.textContent = label(this);
      }
      open() {
        var url = this.getAttribute('url');
        if (!url) throw new Error('<ofauth-link>: the url attribute is missing');
        var callbacks = domCallbacks(this);
        callbacks.url = url;
        callbacks.theme = this.getAttribute('theme') || 'auto';
        callbacks.closeOnBackdropClick = this.getAttribute('close-on-backdrop') !== 'false';
        this.link = create(callbacks);
        this.link.open();
      }
      close(opts) {
        if (this.link) this.link.close(opts);
      }
    });
  }

  var OFAuthLinkEmbed = { create: create, init: init };
  w.OFAuthLinkEmbed = OFAuthLinkEmbed;
  w.OFAuth = w.OFAuth || {};
  w.OFAuth.LinkEmbed = OFAuthLinkEmbed;
  defineElement();

  if (current && current.hasAttribute('data-auto-init')) {
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', init);
    else init();
  }
})(window, document);
