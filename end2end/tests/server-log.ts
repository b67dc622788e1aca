import { expect, type Locator } from '@playwright/test';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text, type Language } from './helpers';

/** Where the browser tests' server writes its log, one JSON object per line (playwright.config.ts). */
export const SERVER_LOG = path.join(os.tmpdir(), 'releasedesk-e2e-server.log');

/** A line of the server's JSON log (tracing-subscriber's format). */
export interface LogLine {
  level: string;
  fields: { message?: string; status?: number; error?: string };
  span?: { request_id?: string; path?: string };
}

/** The reference code an error message shows after its sentence ("Código de referencia: …"). */
export async function referenceIn(message: Locator, lang: Language): Promise<string> {
  const label = text(lang, 'error.reference');
  const reference = message.locator('.reference');
  await expect(reference).toHaveText(new RegExp(`^${label}: \\S+$`));
  return (await reference.textContent())!.slice(label.length + 2);
}

/** The server's log line that answered the request `id`, once the server has written it. */
export async function answeredLine(id: string): Promise<LogLine> {
  const find = () => readFileSync(SERVER_LOG, 'utf8')
    .split('\n')
    .flatMap((line): LogLine[] => { try { return [JSON.parse(line)]; } catch { return []; } })
    .find((line) => line.span?.request_id === id && line.fields.message === 'answered');
  await expect.poll(() => find() !== undefined, { message: `a log line for request ${id} in ${SERVER_LOG}` }).toBe(true);
  return find()!;
}
