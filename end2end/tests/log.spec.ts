import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { LABELS, type Language, login, listLive, formLive, FLOW, localized, text, format, authorizedRelease, call, apiLogin } from './helpers';

/** The occurrence form's label of a required field: the field's name, then " *". */
const required = (key: string) => (lang: Language) => `${text(lang, key)} *`;

const LOG = localized({
  filter: 'log.filter', add: 'log.add', record: 'log.record', export: 'log.export',
  category: required('field.occurrence_category'), origin: required('field.occurrence_origin'),
  minutes: required('field.time_spent'), description: required('field.occurrence_description'),
  occurrence: required('field.occurrence_text'), userInfo: required('field.user_information'), recordedBy: 'field.recorded_by',
  manual: 'log.manual', changes: 'log.changes',
  // The CSV's first columns.
  header: (lang) => ['log.when', 'log.who', 'log.what', 'log.task'].map((key) => text(lang, key)).join(','),
  // A change as the log describes it: "<field>: <before> → <after>".
  statusChange: (lang) => `${text(lang, 'list.status')}: ${text(lang, 'status.approved')} → ${text(lang, 'status.resolved')}`,
  execution: (lang) => FLOW[lang].execution, review: (lang) => FLOW[lang].review, unassigned: 'list.unassigned',
});

/** Waits until the page follows live events (its event stream is connected). */
async function eventsOpen(page: Page) {
  await expect(page.locator('html[data-live-events="open"]')).toHaveCount(1);
}

/** The first release waiting, free, at Execution for Despliegue N1. */
async function waitingRelease(request: APIRequestContext): Promise<number> {
  const page = await call(request, 'list_releases', { query: { search: '', status: 'approved', scope: 'all', page: 0 } });
  const row = page.rows.find((r: any) => r.executor_group === 'Despliegue N1' && r.responsible === null);
  return row.id;
}

const closure = { outcome: 'resolved', solution_category: 1, useful_information: 'Desplegado; validado con el área usuaria.' };

/** Executes the release as the user of `executor`, to Review. */
async function resolve(executor: APIRequestContext, id: number) {
  await call(executor, 'capture_task', { id });
  const view = await call(executor, 'get_release', { id });
  await call(executor, 'advance_release', { id, version: view.row_version, decision: null, closure });
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`execution log and flow in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    const l = LABELS[lang];
    const t = LOG[lang];

    test('a release sent back once shows its loop, its log changes, a manual occurrence and the CSV', async ({ page, browser }) => {
      // Set-up over HTTP, as two people would do it: executed, sent back by review, executed again.
      const managerContext = await browser.newContext();
      const manager = managerContext.request;
      await apiLogin(manager, 'gestor');
      await login(page, 'ana', lang);
      const ana = page.request;
      const id = await waitingRelease(ana);
      await resolve(ana, id);
      await call(manager, 'capture_task', { id });
      const atReview = await call(manager, 'get_release', { id });
      await call(manager, 'advance_release', { id, version: atReview.row_version, decision: 'sent_back', closure: { outcome: null, solution_category: null, useful_information: '' } });
      await resolve(ana, id);
      await managerContext.close();

      await page.goto(`/releases/${id}`);
      await formLive(page);
      // The flow: the loop drawn as taken, Review highlighted, Execution passed twice with its time.
      await page.getByRole('button', { name: l.flow, exact: true }).click();
      const flow = page.getByRole('dialog');
      const diagram = flow.getByRole('img');
      await expect(diagram).toBeVisible();
      await expect(diagram.locator('g.edge.back.taken')).toHaveCount(1);
      await expect(diagram.locator('g.node.current text.name')).toHaveText(t.review);
      const execution = diagram.locator('g.node.passed').filter({ has: page.locator('text.name', { hasText: new RegExp(`^${t.execution}$`) }) });
      await expect(execution.locator('text.took')).toContainText('×2');
      await expect(flow.getByRole('table').first().getByRole('row').filter({ has: page.getByRole('cell', { name: t.execution, exact: true }) })).toHaveCount(2);
      await flow.getByRole('button', { name: l.close }).click();

      // The log: the advance with what it changed, field by field; the filter by kind.
      await page.getByRole('button', { name: l.log, exact: true }).click();
      const log = page.getByRole('dialog', { name: l.log });
      await log.getByLabel(t.filter).selectOption({ label: l.logAdvanced });
      const advances = log.getByRole('row').filter({ hasText: l.logAdvanced });
      await expect(log.getByRole('row')).toHaveCount((await advances.count()) + 1);
      await expect(advances.first().getByRole('list', { name: t.changes })).toContainText(t.statusChange);

      // A manual occurrence: every field required, "Registrado por" filled in.
      await log.getByRole('button', { name: t.add }).click();
      const form = log.getByRole('form');
      await expect(form.getByLabel(t.recordedBy)).toHaveValue('Ana Martínez');
      await form.getByRole('button', { name: t.record }).click();
      await expect(form.getByRole('alert')).toBeVisible();
      await form.getByLabel(t.category).selectOption({ index: 3 });
      await form.getByLabel(t.origin).selectOption({ index: 2 });
      await form.getByLabel(t.minutes).fill('25');
      await form.getByLabel(t.description).fill(`Llamada al proveedor (${lang})`);
      await form.getByLabel(t.occurrence).fill('=1+1 <script>alert(1)</script> confirmó la ventana.');
      await form.getByLabel(t.userInfo).fill('La liberación sigue en plazo.');
      await form.getByRole('button', { name: t.record }).click();
      await expect(form).toBeHidden();
      await log.getByLabel(t.filter).selectOption({ label: t.manual });
      const manual = log.getByRole('row').filter({ hasText: `Llamada al proveedor (${lang})` });
      await expect(manual).toContainText('<script>alert(1)</script>');
      await expect(manual).toContainText(format(lang, 'log.minutes', { minutes: 25 }));

      // The CSV, in the current language, with what was typed kept as text.
      const [download] = await Promise.all([page.waitForEvent('download'), log.getByRole('button', { name: t.export }).click()]);
      const csv = (await readFile(await download.path())).toString('utf8');
      expect(csv.replace(/^\uFEFF/, '').split('\n')[0]).toContain(t.header);
      expect(csv).toContain(`Llamada al proveedor (${lang})`);
      expect(csv).toContain("'=1+1 <script>");
      expect(csv).toContain(l.logAdvanced);
    });

    test('what another user does on the release or the list shows without a reload', async ({ page, browser }) => {
      await login(page, 'ana', lang);
      const other = await browser.newContext();
      await apiLogin(other.request, 'joao');
      // The form of a free release: João takes it; Ana's view names him.
      const first = await waitingRelease(page.request);
      await page.goto(`/releases/${first}`);
      await formLive(page);
      await expect(page.locator('.release-head')).toContainText(t.unassigned);
      await eventsOpen(page);
      await call(other.request, 'capture_task', { id: first });
      await expect(page.locator('.release-head')).toContainText('João Silva', { timeout: 2_000 });
      // João links a problem: Ana's Problems tab counts it.
      const problems = page.getByRole('tab', { name: text(lang, 'relations.problems'), exact: true }).locator('.count');
      await expect(problems).toHaveText('0');
      const hits = await call(other.request, 'search_catalogue', { kind: 'problem', text: 'caida', page: 0 });
      await call(other.request, 'link_item', { id: first, kind: 'problem', item: hits.hits[0].id, responsibility: null });
      await expect(problems).toHaveText('1', { timeout: 2_000 });
      // The list: João takes another; Ana's row names him.
      const second = await waitingRelease(page.request);
      // Found by number: the row stays in the list when its status changes.
      await page.goto(`/releases?q=${second}`);
      await listLive(page);
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: String(second), exact: true }) });
      await expect(row).toContainText(t.unassigned);
      await eventsOpen(page);
      await call(other.request, 'capture_task', { id: second });
      await expect(row).toContainText('João Silva', { timeout: 2_000 });
      await other.close();
    });

    test('a stream of changes to a release on the list refreshes it at most twice a second, and ends on the last', async ({ page, browser }) => {
      await login(page, 'ana', lang);
      const other = await browser.newContext();
      await apiLogin(other.request, 'joao');
      // A release of its own, so that the demo's waiting releases stay for the other tests.
      const manager = await browser.newContext();
      await apiLogin(manager.request, 'gestor');
      const id = await authorizedRelease(manager.request, 'Despliegue N1', `Cambios seguidos (${lang})`);
      await manager.close();
      await page.goto(`/releases?q=${id}`);
      await listLive(page);
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: String(id), exact: true }) });
      await eventsOpen(page);
      // A second stream of Ana's counts the events as they reach her, so that each change
      // below is sent once the one before it has arrived: a steady stream, not one burst.
      await page.evaluate(() => {
        const counted = window as any;
        counted.heard = 0;
        counted.counter = new EventSource('/api/events');
        counted.counter.onmessage = () => { counted.heard += 1; };
      });
      await page.waitForFunction(() => (window as any).counter.readyState === EventSource.OPEN);
      const arrived = (n: number) => page.waitForFunction((n) => (window as any).heard >= n, n);
      let asked = 0;
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/list_releases') asked += 1;
      });
      // João takes it, saves it twenty times and advances it.
      const started = Date.now();
      await call(other.request, 'capture_task', { id });
      await arrived(1);
      let version: number = (await call(other.request, 'get_release', { id })).row_version;
      const saves = 20;
      for (let n = 1; n <= saves; n += 1) {
        const draft = { outcome: null, solution_category: null, useful_information: `Paso ${n}` };
        version = await call(other.request, 'save_release', { id, version, closure: draft });
        await arrived(1 + n);
      }
      await call(other.request, 'advance_release', { id, version, decision: null, closure });
      // Ana's row ends on the last change...
      await expect(row).toContainText(text(lang, 'status.resolved'), { timeout: 3_000 });
      const lasted = Date.now() - started;
      // ...having asked at once, then at most twice a second while the changes came, not
      // once for each of them.
      expect(asked).toBeGreaterThan(0);
      expect(asked).toBeLessThanOrEqual(2 + Math.ceil(lasted / 500));
      await other.close();
    });
  });
}
