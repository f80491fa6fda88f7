/* Kervan — our own small script. Every page works without it; this only enhances:
   live search, keyboard shortcuts, confirm dialog, lost-reason toggle, auto-submit
   filters, focus after a validation error, toasts, closing the user menu, form fields shown for
   some values of another, names suggested in reference boxes, row selection for bulk actions. */
(() => {
  'use strict';

  const doc = document;
  const root = doc.documentElement;
  root.classList.add('js');

  const isEnglish = () => root.lang === 'en';
  const isTyping = (el) =>
    !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  const submitForm = (form, submitter) => {
    if (typeof form.requestSubmit === 'function') form.requestSubmit(submitter || undefined);
    else form.submit();
  };

  /* ---------- 1. Global search ---------- */
  const searchInput = doc.getElementById('global-search');
  const searchBox = doc.getElementById('search-results');
  let closeSearch = () => {};

  if (searchInput && searchBox) {
    const searchForm = searchInput.form || searchInput.closest('form');
    let seq = 0;
    let timer = 0;
    let shownFor = '';
    let quietFocus = false; // focus given back by Escape must not reopen the list

    const links = () => Array.from(searchBox.querySelectorAll('a[href]'));
    const isOpen = () => !searchBox.hidden;
    const open = () => {
      searchBox.hidden = false;
      searchInput.setAttribute('aria-expanded', 'true');
    };
    closeSearch = () => {
      searchBox.hidden = true;
      searchInput.setAttribute('aria-expanded', 'false');
    };
    const clear = () => {
      seq += 1; // anything still in flight is now stale
      shownFor = '';
      searchBox.replaceChildren();
      closeSearch();
    };

    const run = async (q) => {
      const mine = ++seq;
      try {
        const res = await fetch('/search?partial=1&q=' + encodeURIComponent(q), {
          credentials: 'same-origin',
          headers: { Accept: 'text/html' },
        });
        if (mine !== seq) return;
        if (!res.ok || res.redirected) { clear(); return; }
        const html = await res.text();
        if (mine !== seq) return;
        // Take only the fragment we expect (a signed-out redirect would bring a whole page).
        const parsed = new DOMParser().parseFromString(html, 'text/html');
        const inner = parsed.querySelector('.results-inner');
        if (!inner) { clear(); return; }
        searchBox.replaceChildren(doc.importNode(inner, true));
        shownFor = q;
        if (doc.activeElement === searchInput || searchBox.contains(doc.activeElement)) open();
      } catch (_) {
        if (mine === seq) clear();
      }
    };

    searchInput.addEventListener('input', () => {
      clearTimeout(timer);
      const q = searchInput.value.trim();
      if (q.length < 2) { clear(); return; }
      timer = setTimeout(() => run(q), 150);
    });

    searchInput.addEventListener('focus', () => {
      if (quietFocus) { quietFocus = false; return; }
      if (shownFor && shownFor === searchInput.value.trim() && searchBox.firstChild) open();
    });

    searchInput.addEventListener('keydown', (e) => {
      if (e.isComposing) return;
      if (e.key === 'Enter') {
        const first = searchBox.querySelector('a.result');
        if (isOpen() && first && shownFor === searchInput.value.trim()) {
          e.preventDefault();
          window.location.assign(first.href);
        }
        // otherwise the form submits normally to /search
      } else if (e.key === 'Escape') {
        e.preventDefault();
        closeSearch();
        searchInput.blur();
      } else if (e.key === 'ArrowDown') {
        if (!isOpen() && shownFor && shownFor === searchInput.value.trim()) open();
        const l = links();
        if (isOpen() && l.length) { e.preventDefault(); l[0].focus(); }
      }
    });

    searchBox.addEventListener('keydown', (e) => {
      const l = links();
      const i = l.indexOf(doc.activeElement);
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        if (i < l.length - 1) l[i + 1].focus();
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        if (i > 0) l[i - 1].focus();
        else searchInput.focus();
      } else if (e.key === 'Home' && l.length) {
        e.preventDefault(); l[0].focus();
      } else if (e.key === 'End' && l.length) {
        e.preventDefault(); l[l.length - 1].focus();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        closeSearch();
        quietFocus = true;
        searchInput.focus();
        quietFocus = false;
      }
    });

    // Close when focus or a click goes elsewhere.
    if (searchForm) {
      searchForm.addEventListener('focusout', (e) => {
        if (!e.relatedTarget || !searchForm.contains(e.relatedTarget)) closeSearch();
      });
      // Keep focus where it is while pressing on a result, so the click lands (Safari
      // does not focus links on click, and the focusout above would close the list first).
      searchBox.addEventListener('mousedown', (e) => e.preventDefault());
      doc.addEventListener('click', (e) => {
        if (isOpen() && !searchForm.contains(e.target)) closeSearch();
      });
    }
  }

  /* ---------- 3. Confirm dialog for destructive forms ---------- */
  let dialog = null;
  const hasDialog = typeof HTMLDialogElement === 'function' &&
    typeof HTMLDialogElement.prototype.showModal === 'function';

  const buildDialog = () => {
    const d = doc.createElement('dialog');
    d.className = 'confirm-dialog';
    d.setAttribute('aria-labelledby', 'confirm-msg');
    const f = doc.createElement('form');
    f.method = 'dialog';
    const p = doc.createElement('p');
    p.className = 'confirm-msg';
    p.id = 'confirm-msg';
    const actions = doc.createElement('div');
    actions.className = 'confirm-actions';
    const cancel = doc.createElement('button');
    cancel.type = 'submit';
    cancel.value = 'cancel';
    cancel.className = 'btn btn-ghost confirm-cancel';
    const ok = doc.createElement('button');
    ok.type = 'submit';
    ok.value = 'ok';
    ok.className = 'btn btn-danger confirm-ok';
    actions.append(cancel, ok);
    f.append(p, actions);
    d.append(f);
    // A click on the backdrop (the dialog box itself, outside its content) cancels.
    d.addEventListener('click', (e) => { if (e.target === d) d.close('cancel'); });
    doc.body.append(d);
    return d;
  };

  const askConfirm = (message) => {
    if (!hasDialog) return Promise.resolve(window.confirm(message));
    if (!dialog) dialog = buildDialog();
    const en = isEnglish();
    dialog.querySelector('.confirm-msg').textContent = message;
    dialog.querySelector('.confirm-ok').textContent = en ? 'Yes' : 'Evet';
    const cancel = dialog.querySelector('.confirm-cancel');
    cancel.textContent = en ? 'Cancel' : 'Vazgeç';
    dialog.returnValue = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.showModal();
      cancel.focus(); // the safe choice has focus
    });
  };

  doc.addEventListener('submit', (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    const submitter = e.submitter || null;
    // A button may ask on its own (a list's bulk "Arşivle" shares its form with harmless actions).
    const message = (submitter && submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
    if (message === null) return;
    if (form.dataset.confirmed === '1') { delete form.dataset.confirmed; return; }
    e.preventDefault();
    askConfirm(message).then((yes) => {
      if (!yes) { if (submitter) submitter.focus(); return; }
      form.dataset.confirmed = '1';
      submitForm(form, submitter);
      delete form.dataset.confirmed; // form.submit() fallback fires no submit event
    });
  });

  /* ---------- 2 & 8. Keyboard shortcuts, closing the user menu ---------- */
  const closeMenus = (except) => {
    doc.querySelectorAll('details.usermenu[open], details.quicknew-menu[open]').forEach((d) => {
      if (d !== except) d.removeAttribute('open');
    });
  };

  doc.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (dialog && dialog.open) return;
    if (e.key === 'Escape') {
      const open = doc.querySelector('details.usermenu[open], details.quicknew-menu[open]');
      if (open) {
        open.removeAttribute('open');
        const s = open.querySelector('summary');
        if (s && open.contains(doc.activeElement)) s.focus();
      }
      return;
    }
    if (isTyping(e.target)) return;
    if (e.key === '/' && searchInput) {
      e.preventDefault();
      searchInput.focus();
      searchInput.select();
    } else if (e.key === 'n' || e.key === 'e') {
      const target = doc.querySelector('[data-key="' + e.key + '"]');
      if (target) { e.preventDefault(); target.click(); }
    }
  });

  doc.addEventListener('click', (e) => {
    const inside = e.target instanceof Element ? e.target.closest('details.usermenu, details.quicknew-menu') : null;
    closeMenus(inside);
  });

  /* ---------- 4. Lost reason shown only for status "lost" ---------- */
  const syncLost = (select, focus) => {
    const form = select.form || select.closest('form');
    if (!form) return;
    const field = form.querySelector('#lost-reason-field') || form.querySelector('.lost-reason');
    if (!field) return;
    const lost = select.value === 'lost';
    field.classList.toggle('is-hidden', !lost);
    if (lost && focus) {
      const input = field.querySelector('input, textarea');
      if (input) input.focus();
    }
  };
  doc.querySelectorAll('select[data-lost-toggle]').forEach((s) => syncLost(s, false));

  /* ---------- 5. Auto-submitting filter selects (and 4 on change) ---------- */
  doc.addEventListener('change', (e) => {
    const el = e.target;
    if (!(el instanceof HTMLSelectElement)) return;
    if (el.hasAttribute('data-lost-toggle')) syncLost(el, true);
    if (el.hasAttribute('data-autosubmit') && el.form) {
      // Keep the active date chip (a named submit button) as part of the query.
      const chip = el.form.querySelector('button[name].chip.on');
      submitForm(el.form, chip);
    }
  });

  /* ---------- 6. Focus the first invalid field after a validation error ---------- */
  const focusForm = doc.querySelector('form[data-focus]');
  if (focusForm) {
    const id = focusForm.getAttribute('data-focus');
    const summary = doc.getElementById('error-summary');
    if (summary) summary.scrollIntoView({ block: 'start' });
    const target = id ? doc.getElementById(id) : null;
    if (target && typeof target.focus === 'function') {
      target.focus({ preventScroll: !!summary });
    }
  }

  /* ---------- 7. Toasts fade out after 4 s (10 s with an undo link, never under the pointer) ---------- */
  doc.querySelectorAll('.toast').forEach((t) => {
    const wait = t.classList.contains('toast-long') ? 10000 : 4000;
    const hide = () => {
      t.classList.add('toast-hide');
      let gone = false;
      const remove = () => { if (!gone) { gone = true; t.remove(); } };
      t.addEventListener('transitionend', remove, { once: true });
      setTimeout(remove, 600); // in case no transition runs (reduced motion)
    };
    let timer = setTimeout(hide, wait);
    const hold = () => clearTimeout(timer);
    const go = () => { clearTimeout(timer); timer = setTimeout(hide, 3000); };
    t.addEventListener('mouseenter', hold);
    t.addEventListener('focusin', hold);
    t.addEventListener('mouseleave', go);
    t.addEventListener('focusout', go);
  });

  /* ---------- 9. Form fields shown for some values of another field ---------- */
  // Without JavaScript every field shows (the server ignores one whose condition is not met:
  // the VKN of an individual). Here a field follows the field it depends on as that changes.
  doc.querySelectorAll('form [data-shown-when]').forEach((box) => {
    const form = box.closest('form');
    const dep = box.getAttribute('data-shown-when');
    const values = (box.getAttribute('data-shown-values') || '').split(' ');
    const control = form ? form.elements.namedItem(dep) : null;
    if (!control) return;
    const sync = () => {
      const on = values.includes(control.value);
      box.classList.toggle('is-hidden', !on);
    };
    form.addEventListener('change', (e) => {
      if (e.target && e.target.name === dep) sync();
    });
    sync();
  });

  /* ---------- 9b. Reference boxes: names suggested while typing ---------- */
  // The box holds a name; a hidden input beside it holds the id. Typing clears the id (the server
  // then looks the name up); picking a suggestion sets both.
  doc.querySelectorAll('input[data-ref-kind]').forEach((input) => {
    const form = input.form;
    const idInput = form ? form.querySelector('input[type="hidden"][data-ref-id="' + input.id + '"]') : null;
    if (!form || !idInput) return;
    const wrap = doc.createElement('div');
    wrap.className = 'ref-suggest';
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    const list = doc.createElement('div');
    list.className = 'menu';
    list.setAttribute('role', 'listbox');
    list.id = input.id + '-suggest';
    list.hidden = true;
    wrap.appendChild(list);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');
    let timer = 0;
    let seq = 0;
    const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); };
    const pick = (id, name) => {
      idInput.value = id;
      input.value = name;
      if (!form.querySelector('input[name="picked"]')) {
        const marker = doc.createElement('input');
        marker.type = 'hidden'; marker.name = 'picked'; marker.value = '1';
        form.appendChild(marker);
      }
      close();
    };
    const show = (items) => {
      list.replaceChildren();
      items.forEach((it) => {
        const b = doc.createElement('button');
        b.type = 'button';
        b.setAttribute('role', 'option');
        b.textContent = it.name;
        b.addEventListener('mousedown', (e) => { e.preventDefault(); pick(String(it.id), it.name); });
        list.appendChild(b);
      });
      list.hidden = items.length === 0;
      input.setAttribute('aria-expanded', items.length ? 'true' : 'false');
    };
    input.addEventListener('input', () => {
      idInput.value = '';
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(async () => {
        const mine = ++seq;
        try {
          const res = await fetch('/refs/' + encodeURIComponent(input.getAttribute('data-ref-kind')) +
            '?q=' + encodeURIComponent(q), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
          if (mine !== seq || !res.ok || res.redirected) return;
          show(await res.json());
        } catch (_) { /* the name is looked up on save anyway */ }
      }, 180);
    });
    input.addEventListener('keydown', (e) => {
      const options = Array.from(list.querySelectorAll('button'));
      if (list.hidden || !options.length) return;
      const at = options.findIndex((o) => o.getAttribute('aria-selected') === 'true');
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = e.key === 'ArrowDown' ? Math.min(at + 1, options.length - 1) : Math.max(at - 1, 0);
        options.forEach((o, i) => o.setAttribute('aria-selected', i === next ? 'true' : 'false'));
      } else if (e.key === 'Enter' && at >= 0) {
        e.preventDefault();
        options[at].dispatchEvent(new MouseEvent('mousedown'));
      } else if (e.key === 'Escape') {
        close();
      }
    });
    input.addEventListener('blur', () => setTimeout(close, 100));
  });

  /* ---------- 10. The open tab of a card stays in sight on a narrow screen ---------- */
  // The tab bar scrolls sideways on a phone; bring the active tab into it (sideways only, so
  // a link to an anchor further down the page still lands there).
  doc.querySelectorAll('nav.tabs').forEach((bar) => {
    const active = bar.querySelector('.tab.active');
    if (active && bar.scrollWidth > bar.clientWidth) {
      bar.scrollLeft = active.offsetLeft - bar.offsetLeft - (bar.clientWidth - active.offsetWidth) / 2;
    }
  });

  /* ---------- 10b. Attachments: a file over the limit is refused before it is sent ---------- */
  // The server refuses it too, but only after the browser has started sending it.
  doc.addEventListener('change', (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.dataset.maxBytes) return;
    const max = Number(input.dataset.maxBytes);
    const big = Array.from(input.files || []).some((f) => f.size > max);
    input.setCustomValidity(big ? input.dataset.tooLarge || '' : '');
    if (big) input.reportValidity();
  });

  /* ---------- 11. Bulk actions on lists ---------- */
  // Without JavaScript the row checkboxes and the bar post as a plain form. Here: the header box
  // ticks every row of the page, the bar counts the selection, and its buttons wait for one.
  doc.querySelectorAll('form[data-bulk]').forEach((form) => {
    const all = form.querySelector('[data-bulk-all]');
    const boxes = () => Array.from(form.querySelectorAll('input[type="checkbox"][name="ids"]'));
    const count = form.querySelector('[data-bulk-count]');
    const buttons = form.querySelectorAll('[data-bulk-submit]');
    // "Filtreye uyan tümü": the whole filtered list, whatever is ticked.
    const whole = form.querySelector('[data-bulk-scope]');
    const sync = () => {
      const list = boxes();
      const n = list.filter((b) => b.checked).length;
      list.forEach((b) => { const tr = b.closest('tr'); if (tr) tr.classList.toggle('selected', b.checked); });
      if (all) {
        all.checked = n > 0 && n === list.length;
        all.indeterminate = n > 0 && n < list.length;
      }
      if (count) {
        count.textContent = n > 0
          ? (count.getAttribute('data-some') || '').replace('{n}', String(n))
          : (count.getAttribute('data-none') || '');
      }
      const any = n > 0 || (whole && whole.checked);
      buttons.forEach((b) => { b.disabled = !any; });
      form.classList.toggle('has-selection', any);
    };
    if (all) {
      all.addEventListener('change', () => {
        boxes().forEach((b) => { b.checked = all.checked; });
        sync();
      });
    }
    form.addEventListener('change', (e) => {
      if (e.target instanceof HTMLInputElement && (e.target.name === 'ids' || e.target.name === 'scope')) sync();
    });
    // The browser may restore ticks on "back"; count what is really ticked.
    window.addEventListener('pageshow', sync);
    sync();
  });
  /* ---------- 10. Calendar: drag an item to another day (the time of day stays) ---------- */
  const cal = doc.getElementById('calendar');
  if (cal) {
    let dragged = null;
    cal.addEventListener('dragstart', (e) => {
      const a = e.target instanceof Element ? e.target.closest('.cal-item[draggable]') : null;
      if (!a) return;
      dragged = a;
      a.classList.add('is-dragging');
      if (e.dataTransfer) { e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', a.id); }
    });
    cal.addEventListener('dragend', () => { if (dragged) dragged.classList.remove('is-dragging'); dragged = null; });
    cal.addEventListener('dragover', (e) => {
      const day = e.target instanceof Element ? e.target.closest('.cal-day') : null;
      if (!dragged || !day) return;
      e.preventDefault();
      cal.querySelectorAll('.cal-day.is-drop').forEach((d) => { if (d !== day) d.classList.remove('is-drop'); });
      day.classList.add('is-drop');
    });
    cal.addEventListener('drop', (e) => {
      const day = e.target instanceof Element ? e.target.closest('.cal-day') : null;
      cal.querySelectorAll('.cal-day.is-drop').forEach((d) => d.classList.remove('is-drop'));
      if (!dragged || !day) return;
      e.preventDefault();
      const item = dragged;
      if (item.closest('.cal-day') === day) return;
      day.appendChild(item); // at once; the server's answer decides what stays
      const body = new URLSearchParams({
        kind: item.dataset.kind || '', id: item.dataset.id || '', version: item.dataset.version || '',
        date: day.dataset.date || '',
      });
      fetch('/calendar/move', {
        method: 'POST', credentials: 'same-origin', body,
        headers: { 'x-csrf-token': cal.dataset.csrf || '' },
      }).then(() => window.location.reload(), () => window.location.reload());
    });
  }
  /* ---------- 12. Deals board: drag a card to another stage, or onto Kazanıldı / Kaybedildi ---------- */
  const board = doc.getElementById('board');
  if (board) {
    const drops = doc.getElementById('board-drops');
    const dialog = doc.getElementById('close-dialog');
    const csrf = board.dataset.csrf || '';
    let dragged = null;
    const post = (url, data) => fetch(url, {
      method: 'POST', credentials: 'same-origin', body: new URLSearchParams(data),
      headers: { 'x-csrf-token': csrf },
    });
    const clearDrop = () => doc.querySelectorAll('.is-drop').forEach((d) => d.classList.remove('is-drop'));
    const target = (e) => (e.target instanceof Element ? e.target.closest('.board-col, .board-drop') : null);
    // Closing as lost asks why (required, as everywhere); won only confirms.
    const askClose = (card, status) => {
      if (!dialog || typeof dialog.showModal !== 'function') { window.location.href = '/deals/' + card.dataset.id; return; }
      const form = dialog.querySelector('form');
      form.action = '/deals/' + card.dataset.id + '/close';
      form.elements.version.value = card.dataset.version || '';
      form.elements.status.value = status;
      const lost = status === 'lost';
      dialog.querySelector('.close-lost').hidden = !lost;
      form.elements.lost_reason.required = lost;
      const title = doc.getElementById('close-title');
      title.textContent = title.dataset[lost ? 'lost' : 'won'] || '';
      dialog.showModal();
      (lost ? form.elements.lost_reason : doc.getElementById('close-save')).focus();
    };
    const cancel = doc.getElementById('close-cancel');
    if (cancel && dialog) cancel.addEventListener('click', () => dialog.close());
    doc.addEventListener('dragstart', (e) => {
      const card = e.target instanceof Element ? e.target.closest('.deal-card[draggable]') : null;
      if (!card) return;
      dragged = card;
      card.classList.add('is-dragging');
      if (drops) drops.hidden = false;
      if (e.dataTransfer) { e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', card.id); }
    });
    doc.addEventListener('dragend', () => {
      if (dragged) dragged.classList.remove('is-dragging');
      dragged = null;
      clearDrop();
      if (drops) drops.hidden = true;
    });
    doc.addEventListener('dragover', (e) => {
      const to = target(e);
      if (!dragged || !to) return;
      e.preventDefault();
      if (!to.classList.contains('is-drop')) { clearDrop(); to.classList.add('is-drop'); }
    });
    doc.addEventListener('drop', (e) => {
      const to = target(e);
      clearDrop();
      if (!dragged || !to) return;
      e.preventDefault();
      const card = dragged;
      if (to.dataset.close) { askClose(card, to.dataset.close); return; }
      if (card.closest('.board-col') === to) return;
      to.querySelector('.board-cards').prepend(card); // at once; the server's answer decides what stays
      post('/deals/' + card.dataset.id + '/move', { version: card.dataset.version || '', stage_id: to.dataset.stage || '' })
        .then(() => window.location.reload(), () => window.location.reload());
    });
    // "Daha fazla": the next cards of a column, in place.
    board.addEventListener('click', (e) => {
      const more = e.target instanceof Element ? e.target.closest('a[data-more]') : null;
      if (!more) return;
      e.preventDefault();
      fetch(more.dataset.more, { credentials: 'same-origin' })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => { more.insertAdjacentHTML('beforebegin', html); more.remove(); })
        .catch(() => { window.location.href = more.href; });
    });
  }
  /* ---------- 13. Quote lines: "Satır ekle" copies the last (empty) row with the next number ---------- */
  const lineAdd = doc.getElementById('line-add');
  const lineCount = doc.getElementById('line-count');
  const lineBody = doc.querySelector('#line-editor tbody');
  if (lineAdd && lineCount && lineBody) {
    lineAdd.hidden = false;
    lineAdd.addEventListener('click', () => {
      const last = lineBody.querySelector('tr:last-child');
      if (!last) return;
      const n = lineBody.querySelectorAll('tr').length;
      const row = last.cloneNode(true);
      row.classList.remove('invalid');
      row.dataset.row = String(n);
      row.querySelectorAll('.error-text, .price-source').forEach((e) => e.remove());
      row.querySelectorAll('[name], [id], label[for]').forEach((el) => {
        for (const a of ['name', 'id', 'for']) {
          const v = el.getAttribute(a);
          if (v) el.setAttribute(a, v.replace(/_\d+$/, '_' + n));
        }
        if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) el.value = '';
        if (el instanceof HTMLSelectElement) el.selectedIndex = 0;
      });
      const no = row.querySelector('td');
      if (no) no.textContent = String(n + 1);
      lineBody.appendChild(row);
      lineCount.value = String(n + 1);
      const first = row.querySelector('select, input, textarea');
      if (first) first.focus();
    });
  }
  /* ---------- 11. "Bir sonraki adım?": typing a date of one's own picks "Özel tarih" ---------- */
  const nsDue = doc.getElementById('ns-due_at');
  const nsCustom = doc.getElementById('ns-when-custom');
  if (nsDue && nsCustom) {
    nsDue.addEventListener('input', () => { if (nsDue.value) nsCustom.checked = true; });
  }
  /* ---------- 12. İçe aktarma: the chosen kind is the upload's address; the progress bar follows the run ---------- */
  const kindPick = doc.querySelector('[data-upload-kind]');
  if (kindPick && kindPick.form) {
    kindPick.addEventListener('change', () => { kindPick.form.action = '/imports/upload/' + kindPick.value; });
  }
  const prog = doc.querySelector('[data-progress-url]');
  if (prog) {
    const bar = doc.getElementById('import-bar');
    const text = doc.getElementById('import-progress-text');
    const poll = () => {
      fetch(prog.getAttribute('data-progress-url'), { headers: { Accept: 'application/json' } })
        .then((r) => (r.ok ? r.json() : null))
        .then((p) => {
          if (!p) return;
          if (p.status !== 'queued' && p.status !== 'running') { window.location.reload(); return; }
          if (bar) { bar.max = Math.max(p.total, 1); bar.value = p.processed; }
          if (text) text.textContent = p.processed.toLocaleString('tr-TR') + ' / ' + p.total.toLocaleString('tr-TR');
          setTimeout(poll, 1000);
        })
        .catch(() => setTimeout(poll, 3000));
    };
    setTimeout(poll, 500);
  }
})();
