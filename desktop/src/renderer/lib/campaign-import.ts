/**
 * A campaign's contacts and results over the API: the CSV goes up as `text/csv` (control streams
 * it, so a 100,000-row file is one request), the results CSV comes down with the user's token
 * and is saved as a file.
 */
import { type Schemas, unwrap } from './api/control-client.ts';
import { consoleState } from './console-state.svelte.ts';

export async function importContacts(campaignId: string, csv: string): Promise<Schemas['CampaignImportResult']> {
  return unwrap(
    await consoleState.api.POST('/api/v1/spaces/{spaceId}/campaigns/{campaignId}/contacts', {
      params: { path: { spaceId: consoleState.spaceId!, campaignId } },
      body: { csv },
      bodySerializer: (body) => body.csv,
      headers: { 'content-type': 'text/csv' },
    }),
  );
}

/** Fetches `results.csv` and hands it to the browser as a download named like control names it. */
export async function downloadResults(campaignId: string): Promise<void> {
  const answer = await consoleState.api.GET('/api/v1/spaces/{spaceId}/campaigns/{campaignId}/results.csv', {
    params: { path: { spaceId: consoleState.spaceId!, campaignId } },
    parseAs: 'blob',
  });
  const blob = unwrap(answer) as unknown as Blob;
  const disposition = answer.response.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `campaign-${campaignId}-results.csv`;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
