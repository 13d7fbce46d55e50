// Usage: Access requests per day (a chart) and per connection, and billable connections per month.
import { api } from '../api.ts';
import { BarChart, DataTable, Empty, Loaded, Page, useLoad } from '../components.tsx';
import { BASE, Link } from '../router.tsx';
import type { Usage } from '../types.ts';

export function UsagePage() {
  const state = useLoad(() => api<Usage>('GET', '/v2/account/usage'), 'usage');
  return (
    <Page title="Usage">
      <Loaded state={state} what="usage">
        {(usage) => {
          const perDay = new Map<string, number>();
          const perConnection = new Map<string, number>();
          for (const row of usage.list) {
            perDay.set(row.day, (perDay.get(row.day) ?? 0) + row.requests);
            perConnection.set(row.connectionId, (perConnection.get(row.connectionId) ?? 0) + row.requests);
          }
          const days = [...perDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, value]) => ({ label, value }));
          const connections = [...perConnection.entries()].sort(([, a], [, b]) => b - a);
          return (
            <>
              <p class="muted">
                From {usage.from} to {usage.to}: {usage.totalRequests} Access API request{usage.totalRequests === 1 ? '' : 's'}.
              </p>
              <h2>Billable connections</h2>
              {usage.billing.length === 0 ? (
                <Empty>No billable connections in this period (imported connections are free).</Empty>
              ) : (
                <div class="stats">
                  {usage.billing.map((month) => (
                    <div class="stat" key={month.month}>
                      <span class="stat-value">{month.billableConnections}</span>
                      <span class="stat-label">Link connections active in {month.month}</span>
                    </div>
                  ))}
                </div>
              )}
              <h2>Requests per day</h2>
              {days.length === 0 ? <Empty>No Access API requests in this period.</Empty> : <BarChart title="Access requests per day" rows={days} />}
              <h2>Requests per connection</h2>
              {connections.length === 0 ? (
                <Empty>No connection made requests in this period.</Empty>
              ) : (
                <DataTable caption="Requests per connection" columns={['Connection', 'Requests']}>
                  {connections.map(([connectionId, requests]) => (
                    <tr key={connectionId}>
                      <td>
                        <Link href={`${BASE}/connections/${connectionId}`}>{connectionId}</Link>
                      </td>
                      <td>{requests}</td>
                    </tr>
                  ))}
                </DataTable>
              )}
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
