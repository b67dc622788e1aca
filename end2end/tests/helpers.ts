import { expect, type APIRequestContext, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const PASSWORD = 'demo1234';

export type Language = 'es' | 'pt';

/** A leptos_i18n locale file: namespaces of messages, nested. */
interface Messages { readonly [key: string]: string | Messages }

/** The app's own texts, app/locales/<lang>.json, read once when the tests load. */
const LOCALES: Record<Language, Messages> = { es: readLocale('es'), pt: readLocale('pt') };

function readLocale(lang: Language): Messages {
  return JSON.parse(readFileSync(resolve(__dirname, '../../app/locales', `${lang}.json`), 'utf8'));
}

/** The message at `key`, a dotted path such as 'list.open', with its `{{ name }}`s as they are. */
function message(lang: Language, key: string): string {
  let node: string | Messages | undefined = LOCALES[lang];
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  if (typeof node !== 'string') throw new Error(`app/locales/${lang}.json has no text at "${key}"`);
  return node;
}

/** The text the app shows for `key`, a message without values to fill in. */
export function text(lang: Language, key: string): string {
  const value = message(lang, key);
  if (value.includes('{{')) throw new Error(`"${key}" (${lang}) takes values: use format()`);
  return value;
}

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

function valueOf<T>(lang: Language, key: string, values: Record<string, T>, name: string): T {
  if (!Object.prototype.hasOwnProperty.call(values, name)) throw new Error(`"${key}" (${lang}) needs a value for ${name}`);
  return values[name];
}

/** The message at `key` with each `{{ name }}` replaced by `values[name]`. */
export function format(lang: Language, key: string, values: Record<string, string | number>): string {
  return message(lang, key).replace(PLACEHOLDER, (_, name: string) => String(valueOf(lang, key, values, name)));
}

/**
 * A pattern matching the message at `key`, each `{{ name }}` replaced by `values[name]` (a RegExp
 * stands for its pattern): the whole text, or with `whole: false` anywhere in it.
 */
export function pattern(
  lang: Language, key: string, values: Record<string, string | number | RegExp>, { whole = true } = {},
): RegExp {
  const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = message(lang, key).split(PLACEHOLDER);
  // split() with a capturing group: literal text at even indexes, placeholder names at odd ones.
  const source = parts.map((part, i) => {
    if (i % 2 === 0) return literal(part);
    const value = valueOf(lang, key, values, part);
    return value instanceof RegExp ? value.source : literal(String(value));
  });
  return new RegExp(whole ? `^${source.join('')}$` : source.join(''));
}

/** `pieces[lang]`, once checked to be part of the message at `key`: for a test that looks for part of a longer message. */
export function fragment(lang: Language, key: string, pieces: Record<Language, string>): string {
  const piece = pieces[lang];
  if (!message(lang, key).includes(piece)) throw new Error(`"${key}" (${lang}) does not contain "${piece}"`);
  return piece;
}

/** Where a label comes from: a key of the locale files, or a function of the language for what is built or typed. */
export type Source = string | ((lang: Language) => string);

/** Each name's text in each language, from `sources`. Throws, when the tests load, on a key the locale files lack. */
export function localized<T extends Record<string, Source>>(sources: T): Record<Language, { readonly [K in keyof T]: string }> {
  const build = (lang: Language) => Object.fromEntries(
    Object.entries(sources).map(([name, source]) => [name, typeof source === 'string' ? text(lang, source) : source(lang)]),
  ) as { readonly [K in keyof T]: string };
  return { es: build('es'), pt: build('pt') };
}

/**
 * Names of steps and outcomes of the release flow, which live in flows/release.toml, not in the
 * locale files. Typed here: end2end has no TOML parser among its dependencies.
 */
export const FLOW = {
  es: { authorization: 'Autorización de ejecución', execution: 'Ejecución', review: 'Revisión', accept: 'Aceptar' },
  pt: { authorization: 'Autorização de execução', execution: 'Execução', review: 'Revisão', accept: 'Aceitar' },
} as const;

/** The labels a user reads in each language (SPEC §4), from app/locales/<lang>.json. */
export const LABELS = localized({
  username: 'login.username', password: 'login.password', enter: 'login.submit',
  processes: 'menu.processes', management: 'menu.release_management', release: 'menu.release',
  listTitle: 'list.title', search: 'list.search', status: 'list.status_filter', next: 'list.next',
  open: 'list.open', apply: 'list.apply', scope: 'list.scope', myGroups: 'list.scope_groups', approved: 'status.approved',
  confirm: 'dialog.confirm', closure: 'closure.title', resolved: 'closure.resolved', notResolved: 'closure.not_resolved',
  category: 'field.solution_category', usefulInfo: 'field.useful_information', options: 'options.title',
  saveAdvance: 'options.save_advance', saveKeep: 'options.save_keep',
  log: 'log.title', flow: 'flow.view', close: 'dialog.close',
  // The first sentence of options.saved, "Liberación guardada. La tarea sigue asignada a usted."
  saved: (lang) => fragment(lang, 'options.saved', { es: 'Liberación guardada', pt: 'Liberação gravada' }),
  statusResolved: 'status.resolved', statusNotResolved: 'status.not_resolved', statusClosed: 'status.closed',
  review: (lang) => FLOW[lang].review, authorization: (lang) => FLOW[lang].authorization, unassigned: 'list.unassigned',
  logSaved: 'log.saved', logAdvanced: 'log.advanced', accept: (lang) => FLOW[lang].accept,
  action: 'action.title', delegate: 'action.delegate', suspend: 'action.suspend', reactivate: 'action.reactivate',
  reopen: 'action.reopen', cancel: 'action.cancel', dialogCancel: 'dialog.cancel',
  justification: 'field.justification', complement: 'field.complement',
  reason: 'field.reason', group: 'field.delegate_group', responsible: 'field.delegate_user', mine: 'list.scope_mine',
  statusSuspended: 'status.suspended', statusCancelled: 'status.cancelled', statusApproved: 'status.approved',
  suspendedNotice: 'error.suspended', listView: 'list.management', chartsView: 'list.charts',
  byStatus: 'charts.by_status', all: 'list.scope_all', logSuspended: 'log.suspended', logReactivated: 'log.reactivated',
});

/** Waits until the app is interactive (hydrated), so clicks reach its handlers. */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

/** Logs in through the login page and waits for the list. */
export async function login(page: Page, username: string, lang: Language, password = PASSWORD) {
  await submitLogin(page, username, lang, password);
  await expect(page).toHaveURL(/\/releases/);
  // The browser builds the list the login leads to: the test goes on once its rows answer,
  // so that nothing of the login (the route's chunk, its requests) is still under way when
  // the test navigates again.
  await listLive(page);
}

/** Fills and sends the login form, wherever it leads. */
export async function submitLogin(page: Page, username: string, lang: Language, password: string) {
  const l = LABELS[lang];
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel(l.username, { exact: true }).fill(username);
  await page.getByLabel(l.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: l.enter }).click();
}

/** No serious or critical axe-core violation on what the page shows now. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `${what}: ${serious.join('\n')}`).toEqual([]);
}

/** Procesos > Gestión de Liberación > Liberación, as the seed's step 1 says. */
export async function openReleaseListFromMenu(page: Page, lang: Language) {
  const l = LABELS[lang];
  await page.getByRole('button', { name: l.processes }).click();
  await page.getByRole('menuitem', { name: l.management }).click();
  await page.getByRole('menuitem', { name: l.release, exact: true }).click();
  await expect(page.getByRole('heading', { name: l.listTitle })).toBeVisible();
}

export async function search(page: Page, lang: Language, text: string) {
  const l = LABELS[lang];
  await page.getByRole('searchbox', { name: l.search }).fill(text);
  await page.getByRole('searchbox', { name: l.search }).press('Enter');
}

/** The number of the first release of the list as currently filtered. */
export async function firstNumber(page: Page): Promise<string> {
  const header = page.getByRole('table').getByRole('rowheader').first();
  await expect(header).toBeVisible();
  return (await header.textContent())!.trim();
}

/** Filters the list to releases waiting for the user's groups at Execution. */
export async function showWaitingForMyGroups(page: Page, lang: Language) {
  const l = LABELS[lang];
  await page.getByLabel(l.status, { exact: true }).selectOption({ label: l.approved });
  await expect(page).toHaveURL(/status=approved/);
  await page.getByLabel(l.scope, { exact: true }).selectOption({ label: l.myGroups });
  await expect(page).toHaveURL(/scope=groups/);
  // The old rows stay on screen while the filtered ones load.
  await expect(page.locator('section.release-list')).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText(l.approved);
}

/** The list row of release `number`, after searching it. */
export async function rowOf(page: Page, lang: Language, number: string) {
  await search(page, lang, number);
  // The list keeps its rows on screen while the search loads. A number finds one release:
  // wait for the table to hold only it, so that what follows acts on the search's answer.
  await expect(page.getByRole('table').getByRole('rowheader')).toHaveText([number]);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: number, exact: true }) });
  await listLive(page);
  return row;
}

/** Waits until the list's rows (which hydrate after the page around them) answer clicks. */
export async function listLive(page: Page) {
  await page.locator('.table-wrap[data-live="true"]').waitFor({ state: 'attached' });
}

/** "Abrir" on the release's row and confirm the task assignment. */
export async function openAndCapture(page: Page, lang: Language, number: string) {
  const l = LABELS[lang];
  const row = await rowOf(page, lang, number);
  await row.getByRole('button', { name: l.open }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: l.confirm }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${number}$`));
  await formLive(page);
}

/** Waits until the release form (which hydrates after the page around it) answers clicks. */
export async function formLive(page: Page) {
  await page.locator('article.release-form[data-live="true"]').waitFor({ state: 'attached' });
}

export async function chooseOption(page: Page, lang: Language, item: 'saveAdvance' | 'saveKeep') {
  const l = LABELS[lang];
  await page.getByRole('button', { name: l.options }).click();
  await page.getByRole('menuitem', { name: l[item] }).click();
}

/** A server function called as the logged-in user of `request` (a browser context's). */
export async function call(request: APIRequestContext, endpoint: string, body: object) {
  const answer = await request.post(`/api/${endpoint}`, { data: body });
  expect(answer.ok(), `${endpoint}: ${await answer.text()}`).toBeTruthy();
  return answer.json();
}

/** Logs the user of `request` (a browser context's) in through the API. */
export async function apiLogin(request: APIRequestContext, username: string) {
  const answer = await request.post('/api/login', { form: { username, password: PASSWORD } });
  expect(answer.status()).toBeLessThan(400);
}

/** The caller of `request` (gestor) registers a release for `group` through the API and
 * authorizes it: its task waits, unassigned, for that group. Its number. Planned a year
 * ahead, so that no deadline reminder about it reaches anyone's bell during the tests. */
export async function authorizedRelease(request: APIRequestContext, group: string, title: string): Promise<number> {
  const groups: { id: number; name: string }[] = await call(request, 'executor_groups', {});
  const executor = groups.find((g) => g.name === group)!.id;
  const now = Math.floor(Date.now() / 1000);
  const YEAR = 365 * 86_400;
  const id: number = await call(request, 'register_release', { registration: {
    title, description: 'Una versión para avisar', executor_group: executor, release_type: 'normal', risk: 'low',
    impact: 2, urgency: 2, planned_start: now + YEAR, planned_end: now + YEAR + 2 * 86_400, version_label: '9.9.1',
  } });
  await call(request, 'capture_task', { id });
  const { row_version: version } = await call(request, 'get_release', { id });
  const closure = { outcome: null, solution_category: null, useful_information: '' };
  await call(request, 'advance_release', { id, version, decision: 'approved', closure });
  return id;
}
