// The pieces every page is made of: the page frame, loading/error/empty states, status badges, the confirmation
// dialog, the copy button, and the hook that loads a page's data.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from './api.ts';

export interface LoadState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `key` changes (and on reload()); keeps only the answer of the latest run. */
export function useLoad<T>(load: () => Promise<T>, key: string): LoadState<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let isCurrent = true;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load().then(
      (data) => isCurrent && setState({ data, error: null, loading: false }),
      (error: unknown) => isCurrent && setState({ data: null, error, loading: false }),
    );
    return () => {
      isCurrent = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiFailure) return error.field ? `${error.message} (${error.field})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A page: its heading (focused on arrival, so screen readers announce the new page) and content. */
export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ofconnect dashboard`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <section class="page">
      <div class="page-head">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNotice({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="notice error" role="alert">
      <p>{messageOf(error)}</p>
      {error instanceof ApiFailure && error.code !== 'NETWORK' ? <p class="muted">Code {error.code}</p> : null}
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="notice empty">{children}</div>;
}

/** What a loaded value renders as: loading, its error, or the content. */
export function Loaded<T>({ state, what, children }: { state: LoadState<T>; what: string; children: (data: T) => ComponentChildren }) {
  if (state.error) return <ErrorNotice error={state.error} retry={state.reload} />;
  if (state.data === null) return <Loading what={what} />;
  return <>{children(state.data)}</>;
}

const TONES: Record<string, string> = {
  active: 'good',
  succeeded: 'good',
  enabled: 'good',
  expired: 'bad',
  failed: 'bad',
  revoked: 'bad',
  disabled: 'bad',
  awaiting_2fa: 'warn',
  pending: 'warn',
  completed: 'good',
  open: 'warn',
  denied: 'bad',
  disconnected: 'bad',
};

/** A data table: scrolls sideways on a narrow screen inside a focusable region (so a keyboard can scroll it too), with a
 *  caption for screen readers and one header cell per column. */
export function DataTable({ caption, columns, children }: { caption: string; columns: string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Table, scrolls sideways on a narrow screen">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export function Badge({ value, label }: { value: string; label?: string }) {
  return <span class={`badge ${TONES[value] ?? 'plain'}`}>{label ?? value.replace(/_/g, ' ')}</span>;
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function Time({ value }: { value: string | null | undefined }) {
  return value ? <time dateTime={value}>{formatTime(value)}</time> : <span class="muted">—</span>;
}

/**
 * A modal confirmation (the native <dialog>: focus moves into it and is kept there, Escape cancels). `onConfirm` runs
 * when confirmed; its failure is shown in the dialog.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  isDestructive?: boolean;
  children: ComponentChildren;
  onConfirm(): Promise<void>;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) {
      setError(null);
      element.showModal();
    }
    if (!props.open && element.open) element.close();
  }, [props.open]);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} aria-labelledby="confirm-title" onClose={props.onClose}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      {error ? <ErrorNotice error={error} /> : null}
      <div class="dialog-actions">
        <button type="button" onClick={props.onClose} disabled={busy}>
          Cancel
        </button>
        <button type="button" class={props.isDestructive ? 'danger' : 'primary'} onClick={confirm} disabled={busy}>
          {busy ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <>
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span role="status" class="muted">
        {copied === 'yes' ? ' Copied.' : copied === 'no' ? ' Copy failed: select the text and copy it.' : ''}
      </span>
    </>
  );
}

/** A secret shown once (a new API key, a rotated webhook secret): readable, selectable, copyable. */
export function OneTimeSecret({ label, secret, children }: { label: string; secret: string; children?: ComponentChildren }) {
  return (
    <div class="notice secret" role="region" aria-label={label}>
      <p>
        <strong>{label}</strong> {children}
      </p>
      <p>
        <code class="secret-value" data-secret>
          {secret}
        </code>
      </p>
      <CopyButton text={secret} />
    </div>
  );
}

/** A form's submission: busy while it runs, its failure shown beside the form. */
export function useSubmit(action: () => Promise<void>): { busy: boolean; error: unknown; submit(event?: Event): Promise<void>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event?: Event) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit, clear: () => setError(null) };
}

/** Previous / next for offset-paged lists. */
export function Pager({ offset, limit, hasMore, onPage }: { offset: number; limit: number; hasMore: boolean; onPage(offset: number): void }) {
  if (offset === 0 && !hasMore) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span class="muted">
        {offset + 1}–{offset + limit}
      </span>
      <button type="button" disabled={!hasMore} onClick={() => onPage(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

/**
 * One page of an offset-paged list: the empty notice when it has no rows, else its table (a row per item), then the
 * pager. Every list page of the dashboard is this, with its own columns and wording.
 */
export function PagedTable<T>(props: {
  page: { list: T[]; hasMore: boolean };
  empty: ComponentChildren;
  caption: string;
  columns: string[];
  row(item: T): ComponentChildren;
  offset: number;
  limit: number;
  onPage(offset: number): void;
}) {
  const { page, offset, limit, onPage } = props;
  return (
    <>
      {page.list.length === 0 ? (
        <Empty>{props.empty}</Empty>
      ) : (
        <DataTable caption={props.caption} columns={props.columns}>
          {page.list.map((item) => props.row(item))}
        </DataTable>
      )}
      <Pager offset={offset} limit={limit} hasMore={page.hasMore} onPage={onPage} />
    </>
  );
}

/** Bars for values per label, with the numbers in a table beside them for screen readers and exact reading. */
export function BarChart({ title, rows }: { title: string; rows: Array<{ label: string; value: number }> }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div class="bars" aria-hidden="true">
        {rows.map((row) => (
          <div class="bar" key={row.label} title={`${row.label}: ${row.value}`}>
            <span class="bar-fill" style={{ height: `${Math.round((row.value / max) * 100)}%` }} />
            <span class="bar-label">{row.label.slice(5)}</span>
          </div>
        ))}
      </div>
      <details>
        <summary>Numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <td>{row.label}</td>
                <td>{row.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
