import { test, expect, type Page } from '@playwright/test';
import { LABELS, type Language, login, listLive, rowOf, formLive, openAndCapture } from './helpers';

/** The number of the first listed release with `status` (its code) whose executor group is `group`. */
async function releaseOf(page: Page, status: string, group: string): Promise<string> {
  await page.goto(`/releases?status=${status}`);
  await listLive(page);
  const row = page.getByRole('row').filter({ hasText: group }).first();
  return (await row.getByRole('rowheader').textContent())!.trim();
}

/** The release's row in the unfiltered list. */
async function freshRow(page: Page, lang: Language, number: string) {
  await page.goto('/releases');
  await listLive(page);
  return rowOf(page, lang, number);
}

/** "Acción" on the release's list row, then one of its entries. */
async function chooseAction(page: Page, lang: Language, number: string, action: 'delegate' | 'suspend' | 'reactivate' | 'reopen' | 'cancel') {
  const l = LABELS[lang];
  const row = await freshRow(page, lang, number);
  await row.getByRole('button', { name: l.action }).click();
  await page.getByRole('menuitem', { name: l[action], exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  return dialog;
}

async function switchUser(page: Page, user: string, lang: Language) {
  await page.context().clearCookies();
  await login(page, user, lang);
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`actions in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    const l = LABELS[lang];

    test('gestor suspends a release that ana then cannot capture, reactivates it, and ana captures it', async ({ page }) => {
      await login(page, 'gestor', lang);
      const number = await releaseOf(page, 'approved', 'Despliegue N1');
      const dialog = await chooseAction(page, lang, number, 'suspend');
      // Both fields are required: the dialog says so and keeps what was chosen.
      await dialog.getByLabel(l.justification).selectOption({ index: 1 });
      await dialog.getByRole('button', { name: l.confirm }).click();
      await expect(dialog.getByRole('alert')).toContainText(l.complement);
      await dialog.getByLabel(l.complement).fill('Janela movida pelo fornecedor / ventana movida.');
      await dialog.getByRole('button', { name: l.confirm }).click();
      await expect(dialog).toBeHidden();
      await expect(page.getByRole('status').filter({ hasText: number })).toContainText(l.statusSuspended);
      await expect(await freshRow(page, lang, number)).toContainText(l.statusSuspended);

      await switchUser(page, 'ana', lang);
      await page.goto(`/releases/${number}`);
      await formLive(page);
      await expect(page.getByRole('note')).toContainText(l.suspendedNotice);
      // A suspended release offers ana nothing: no task to take, no action.
      await expect(page.getByRole('button', { name: l.action })).toHaveCount(0);
      const refused = await page.request.post('/api/capture_task', { data: { id: Number(number) } });
      expect(refused.status()).toBe(409);

      await switchUser(page, 'gestor', lang);
      const reactivate = await chooseAction(page, lang, number, 'reactivate');
      await reactivate.getByRole('button', { name: l.confirm }).click();
      await expect(reactivate).toBeHidden();
      await expect(await freshRow(page, lang, number)).toContainText(l.statusApproved);

      await switchUser(page, 'ana', lang);
      await page.goto('/releases');
      await openAndCapture(page, lang, number);
      await expect(page.getByRole('button', { name: l.options })).toBeVisible();
      // The flow view's history shows both actions.
      await page.getByRole('button', { name: l.flow, exact: true }).click();
      const flow = page.getByRole('dialog');
      await expect(flow.getByRole('cell', { name: l.logSuspended })).toBeVisible();
      await expect(flow.getByRole('cell', { name: l.logReactivated })).toBeVisible();
    });

    test('ana delegates her task to joao, who finds it assigned to him', async ({ page }) => {
      await login(page, 'ana', lang);
      const number = await releaseOf(page, 'approved', 'Despliegue N1');
      await page.goto('/releases');
      await openAndCapture(page, lang, number);
      await page.getByRole('button', { name: l.action }).click();
      await page.getByRole('menuitem', { name: l.delegate, exact: true }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(l.group).selectOption({ label: 'Despliegue N1' });
      await dialog.getByLabel(l.responsible).selectOption({ label: 'João Silva' });
      await dialog.getByRole('button', { name: l.confirm }).click();
      await expect(dialog).toBeHidden();
      await expect(page.getByRole('status').filter({ hasText: number })).toBeVisible();
      await formLive(page);
      await expect(page.getByRole('note')).toContainText('João Silva');

      await switchUser(page, 'joao', lang);
      await page.getByLabel(l.scope, { exact: true }).selectOption({ label: l.mine });
      await expect(page).toHaveURL(/scope=mine/);
      await expect(page.getByRole('rowheader', { name: number, exact: true })).toBeVisible();
    });

    test('gestor reopens a closed release and cancels another', async ({ page }) => {
      await login(page, 'gestor', lang);
      const closed = await releaseOf(page, 'closed', 'Despliegue');
      const reopen = await chooseAction(page, lang, closed, 'reopen');
      await reopen.getByLabel(l.reason).fill(`Reaberta / reabierta (${lang}): o cliente reporta falhas.`);
      await reopen.getByRole('button', { name: l.confirm }).click();
      await expect(reopen).toBeHidden();
      const reopened = await freshRow(page, lang, closed);
      await expect(reopened).toContainText(l.statusApproved);
      await expect(reopened).toContainText(l.unassigned);

      const open = await releaseOf(page, 'approved', 'Despliegue N2');
      const cancel = await chooseAction(page, lang, open, 'cancel');
      await cancel.getByLabel(l.reason).fill('Duplicada.');
      await cancel.getByRole('button', { name: l.confirm }).click();
      await expect(cancel).toBeHidden();
      const cancelled = await freshRow(page, lang, open);
      await expect(cancelled).toContainText(l.statusCancelled);
      // Final: no action is left on it.
      await expect(cancelled.getByRole('button', { name: l.action })).toHaveCount(0);
    });

    test('a menu opened while a search loads stays open when the search\'s rows arrive', async ({ page }) => {
      await login(page, 'gestor', lang);
      const number = await releaseOf(page, 'approved', 'Despliegue N1');
      // The search's answer waits until the menu is open on the row the old list still shows.
      let answer = () => {};
      const held = new Promise<void>((resolve) => { answer = resolve; });
      await page.route('**/api/list_releases', async (route) => { await held; await route.continue(); });
      await page.getByRole('searchbox', { name: l.search }).fill(number);
      await page.getByRole('searchbox', { name: l.search }).press('Enter');
      await expect(page.locator('section.release-list')).toHaveAttribute('aria-busy', 'true');
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: number, exact: true }) });
      await row.getByRole('button', { name: l.action }).click();
      // The menu's first entry takes the focus.
      const delegate = page.getByRole('menuitem', { name: l.delegate, exact: true });
      await expect(delegate).toBeFocused();
      answer();
      await expect(page.locator('section.release-list')).toHaveAttribute('aria-busy', 'false');
      await expect(page.getByRole('table').getByRole('rowheader')).toHaveText([number]);
      // The row is the same one: its menu is still open, its entry still focused, and it answers.
      await expect(delegate).toBeFocused();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await expect(dialog).toBeVisible();
      await dialog.getByRole('button', { name: l.dialogCancel, exact: true }).click();
      await expect(dialog).toBeHidden();
    });

    test('the Graphics view counts what the list counts for the same filter', async ({ page }) => {
      await login(page, 'gestor', lang);
      await page.goto('/releases?scope=all');
      await listLive(page);
      const range = await page.locator('.pager .range').textContent();
      const listTotal = range!.match(/(\d+)\s*$/)![1];
      await page.getByRole('link', { name: l.chartsView }).click();
      await expect(page).toHaveURL(/\/releases\/charts/);
      const byStatus = page.getByRole('table', { name: l.byStatus });
      await expect(byStatus).toBeVisible();
      await expect(page.getByRole('img', { name: l.byStatus })).toBeVisible();
      const cells = await byStatus.locator('tbody td').allTextContents();
      expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(Number(listTotal));
      // Each status's bar equals the list filtered by that status.
      const statusRow = byStatus.getByRole('row').filter({ hasText: l.statusApproved });
      const approved = (await statusRow.getByRole('cell').textContent())!.trim();
      await page.getByRole('link', { name: l.listView }).click();
      await page.getByLabel(l.status, { exact: true }).selectOption({ label: l.statusApproved });
      await listLive(page);
      await expect(page.locator('.pager .range')).toHaveText(new RegExp(`\\b${approved}$`));
      // The charts keep the list's filter.
      await page.getByRole('link', { name: l.chartsView }).click();
      await expect(page).toHaveURL(/status=approved/);
      await expect(page.getByRole('table', { name: l.byStatus }).locator('tbody td')).toHaveText([approved]);
    });
  });
}

test('lucia sees no action on another group\'s release and is refused when she replays one', async ({ page }) => {
  const l = LABELS.es;
  await login(page, 'lucia', 'es');
  const number = await releaseOf(page, 'approved', 'Despliegue N1');
  const row = await freshRow(page, 'es', number);
  await expect(row.getByRole('button', { name: l.action })).toHaveCount(0);
  await page.goto(`/releases/${number}`);
  await formLive(page);
  await expect(page.getByRole('button', { name: l.action })).toHaveCount(0);
  for (const [endpoint, body] of [
    ['cancel_release', { id: Number(number), reason: 'x' }],
    ['suspend_release', { id: Number(number), justification: 1, complement: 'x' }],
    ['delegate_task', { id: Number(number), group: 1, user: null }],
  ] as const) {
    const answer = await page.request.post(`/api/${endpoint}`, { data: body });
    expect(answer.status(), endpoint).toBe(403);
    expect((await answer.json()).refusal.reason).toBe('group_lacks_permission');
  }
});

