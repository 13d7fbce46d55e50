// Sandbox tools (sandbox sessions only): the simulator's test accounts, minting a session for a scenario (and importing
// it as a connection), expiring sessions, rotating the dynamic rules, injecting faults, and the simulator's request
// log. The simulator is one world shared by every organization on this service: these act on all of them.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { DataTable, Empty, ErrorNotice, Loaded, Page, useLoad, useSubmit } from '../components.tsx';
import { BASE, Link } from '../router.tsx';
import type { SessionInfo } from '../session.ts';
import type { Connection } from '../types.ts';

interface Scenario {
  scenario: string;
  email: string;
  otp: string | null;
  description: string;
}

interface MintedSession {
  cookie: string;
  userAgent: string;
  userId: number;
  expiresAt: string | null;
}

interface SimulatorRequest {
  seq: number;
  at: number;
  method: string;
  url: string;
  status: number | null;
  userId: number | null;
}

function MintForm({ scenarios }: { scenarios: Scenario[] }) {
  const [scenario, setScenario] = useState('creator');
  const [name, setName] = useState('');
  const [result, setResult] = useState<Connection | null>(null);
  const form = useSubmit(async () => {
    const local = name.trim() || `dash${Date.now().toString(36)}`;
    const minted = await api<MintedSession>('POST', '/_sandbox/sessions', { body: { email: `${local}@${scenario}.sandbox.com` } });
    const connection = await api<Connection>('POST', '/v2/account/connections/import', { body: { cookie: minted.cookie, userAgent: minted.userAgent } });
    setResult(connection);
  });
  return (
    <form class="card" onSubmit={form.submit} aria-labelledby="mint-title">
      <h2 id="mint-title">Connect a test account</h2>
      <p class="muted small">Mints a simulator session for a scenario and imports it as a connection of this organization.</p>
      <div class="field">
        <label for="mint-scenario">Scenario</label>
        <select id="mint-scenario" value={scenario} onChange={(e) => setScenario((e.target as HTMLSelectElement).value)}>
          {scenarios
            .filter((s) => s.scenario !== 'locked')
            .map((s) => (
              <option key={s.scenario} value={s.scenario}>
                {s.scenario}: {s.description}
              </option>
            ))}
        </select>
      </div>
      <div class="field">
        <label for="mint-name">Account name (the part before @; empty: a new one)</label>
        <input id="mint-name" pattern="[A-Za-z0-9._-]*" maxLength={40} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="primary" disabled={form.busy}>
        {form.busy ? 'Connecting…' : 'Mint and import'}
      </button>
      {result ? (
        <p class="notice good" role="status">
          Connected <Link href={`${BASE}/connections/${result.id}`}>{result.userData.username ? `@${result.userData.username}` : result.id}</Link>.
        </p>
      ) : null}
      {form.error ? <ErrorNotice error={form.error} /> : null}
    </form>
  );
}

function ExpireForm() {
  const [userId, setUserId] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const form = useSubmit(async () => {
    const answer = await api<{ expired: number }>('POST', '/_sandbox/sessions/expire', { body: { userId: userId.trim() } });
    setResult(`${answer.expired} session${answer.expired === 1 ? '' : 's'} expired.`);
  });
  return (
    <form class="card inline-form" onSubmit={form.submit} aria-labelledby="expire-title">
      <h2 id="expire-title">Expire an account's sessions</h2>
      <div class="field">
        <label for="expire-user">OnlyFans user id</label>
        <input id="expire-user" required inputMode="numeric" pattern="[0-9]+" value={userId} onInput={(e) => setUserId((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" disabled={form.busy}>
        Expire
      </button>
      {result ? (
        <p class="notice good" role="status">
          {result}
        </p>
      ) : null}
      {form.error ? <ErrorNotice error={form.error} /> : null}
    </form>
  );
}

function RulesAndFaults() {
  const [message, setMessage] = useState<string | null>(null);
  const [kind, setKind] = useState('503');
  const [count, setCount] = useState('3');
  const rotate = useSubmit(async () => {
    await api('POST', '/_sandbox/rules/rotate', { body: {} });
    setMessage('Dynamic rules rotated: requests signed with the old rules get RULES_OUTDATED until the service refreshes them.');
  });
  const inject = useSubmit(async () => {
    await api('POST', '/_sandbox/faults', { body: { kind, count: Number(count) } });
    setMessage(`The next ${count} simulator request${count === '1' ? '' : 's'} answer ${kind}.`);
  });
  const clear = useSubmit(async () => {
    await api('DELETE', '/_sandbox/faults');
    setMessage('Faults cleared.');
  });
  const error = rotate.error ?? inject.error ?? clear.error;
  return (
    <section class="card" aria-labelledby="faults-title">
      <h2 id="faults-title">Rules and faults</h2>
      <p>
        <button type="button" onClick={() => rotate.submit()} disabled={rotate.busy}>
          Rotate dynamic rules
        </button>
      </p>
      <form class="inline-form" onSubmit={inject.submit}>
        <div class="field">
          <label for="fault-kind">Fault</label>
          <select id="fault-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="429">429 rate limited</option>
            <option value="500">500 error</option>
            <option value="503">503 unavailable</option>
            <option value="latency">latency</option>
            <option value="reset">connection reset</option>
          </select>
        </div>
        <div class="field">
          <label for="fault-count">For the next requests</label>
          <input id="fault-count" type="number" min={1} max={1000} required value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={inject.busy}>
          Inject fault
        </button>
        <button type="button" onClick={() => clear.submit()} disabled={clear.busy}>
          Clear faults
        </button>
      </form>
      {message ? (
        <p class="notice good" role="status">
          {message}
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </section>
  );
}

function SimulatorRequests() {
  const state = useLoad(() => api<{ list: SimulatorRequest[] }>('GET', '/_sandbox/requests'), 'simulator requests');
  return (
    <>
      <div class="section-head">
        <h2>Simulator request log</h2>
        <button type="button" onClick={state.reload}>
          Refresh
        </button>
      </div>
      <Loaded state={state} what="the simulator's request log">
        {(page) =>
          page.list.length === 0 ? (
            <Empty>The simulator has received no requests since it started (or since the log was cleared).</Empty>
          ) : (
            <DataTable caption="Simulator requests" columns={['Time', 'Request', 'Status', 'User']}>
              {page.list
                .slice(-50)
                .reverse()
                .map((entry) => (
                  <tr key={entry.seq}>
                    <td>{new Date(entry.at).toLocaleTimeString()}</td>
                    <td>
                      <code>
                        {entry.method} {entry.url}
                      </code>
                    </td>
                    <td>{entry.status ?? '—'}</td>
                    <td>{entry.userId ?? '—'}</td>
                  </tr>
                ))}
            </DataTable>
          )
        }
      </Loaded>
    </>
  );
}

export function SandboxPage({ session }: { session: SessionInfo }) {
  const accounts = useLoad(() => api<{ list: Scenario[]; password: string }>('GET', '/_sandbox/accounts'), 'sandbox accounts');
  if (session.environment !== 'sandbox') {
    return (
      <Page title="Sandbox tools">
        <Empty>Sandbox tools work in a sandbox session only: sign in with a sandbox admin key.</Empty>
      </Page>
    );
  }
  return (
    <Page title="Sandbox tools">
      <p class="notice">The simulator is shared by every organization on this service: expiring sessions, rotating rules and faults affect all of them.</p>
      <Loaded state={accounts} what="the sandbox accounts">
        {(data) => <MintForm scenarios={data.list} />}
      </Loaded>
      <ExpireForm />
      <RulesAndFaults />
      <SimulatorRequests />
    </Page>
  );
}
