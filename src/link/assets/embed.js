/* ofconnect Link embed: the same API as OFAuth's @ofauth/link-embed (OFAuthLinkEmbed.create / init), for a self-hosted
   Link host. Messages are trusted only from the Link URL's own origin and from the iframe it opened. */
(function (w, d) {
  'use strict';
  var TYPE = 'OFAUTH_LINK';
  var current = d.currentScript;

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

  function create(options) {
    options = options || {};
    var url = options.url || null;
    var theme = options.theme || 'auto';
    var overlay = null;
    var frame = null;
    var closeTimer = null;
    var hasLoaded = false;
    var resolveReady;
    var ready = new Promise(function (resolve) { resolveReady = resolve; });

    function call(name, arg) {
      if (typeof options[name] === 'function') options[name](arg);
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
        call('onSuccess', meta);
        if (meta && meta.redirect && meta.successUrl) w.location.assign(meta.successUrl);
      } else if (data.event === 'exit') {
        teardown();
        call('onClose', meta);
      } else if (data.event === 'invalid_session') {
        call('onInvalidSession');
      } else if (data.event === 'sandbox_info') {
        call('onSandboxInfo', meta);
      }
    }

    function onKey(e) {
      if (e.key === 'Escape') api.close();
    }

    function build() {
      overlay = d.createElement('div');
      overlay.setAttribute('data-ofconnect-link-overlay', '');
      overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483000;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center';
      frame = d.createElement('iframe');
      frame.src = embedUrl(url, theme);
      frame.title = 'Connect your OnlyFans account';
      frame.setAttribute('allow', 'camera; microphone; clipboard-read; clipboard-write');
      frame.style.cssText = 'width:400px;height:600px;max-width:100vw;max-height:100vh;border:0;border-radius:14px;background:transparent';
      overlay.appendChild(frame);
      d.body.appendChild(overlay);
      w.addEventListener('message', onMessage);
      d.addEventListener('keydown', onKey);
    }

    function teardown() {
      if (closeTimer) { clearTimeout(closeTimer); closeTimer = null; }
      if (overlay && overlay.parentNode) overlay.parentNode.removeChild(overlay);
      overlay = null;
      frame = null;
      hasLoaded = false;
      w.removeEventListener('message', onMessage);
      d.removeEventListener('keydown', onKey);
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
            teardown();
            call('onClose', { type: force ? 'forced_exit' : 'user_exit', error: null });
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
        function emit(name, detail) { el.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true })); }
        create({
          url: url,
          theme: theme,
          onLoad: function () { emit('loaded'); },
          onSuccess: function (m) { emit('success', m); },
          onClose: function (m) { emit('close', m); },
          onInvalidSession: function () { emit('invalid_session'); },
          onSandboxInfo: function (m) { emit('sandbox_info', m); }
        }).open();
      });
    });
  }

  var OFAuthLinkEmbed = { create: create, init: init };
  w.OFAuthLinkEmbed = OFAuthLinkEmbed;
  w.OFAuth = w.OFAuth || {};
  w.OFAuth.LinkEmbed = OFAuthLinkEmbed;

  if (current && current.hasAttribute('data-auto-init')) {
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', init);
    else init();
  }
})(window, document);
