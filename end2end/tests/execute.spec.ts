import { test, expect, type Page } from '@playwright/test';
import {
  LABELS, type Language, login, openReleaseListFromMenu, showWaitingForMyGroups, firstNumber,
  openAndCapture, chooseOption, rowOf, formLive, pattern,
} from './helpers';

/** The seed procedure, step by step, in one language. Returns the release's number. */
async function executeRelease(page: Page, lang: Language, user: string): Promise<string> {
  const l = LABELS[lang];
  // 1. Processes > Release Management > Release
  await login(page, user, lang);
  await openReleaseListFromMenu(page, lang);
  // 2. Find the release, "Abrir", confirm the assignment.
  await showWaitingForMyGroups(page, lang);
  const number = await firstNumber(page);
  await openAndCapture(page, lang, number);
  // 3. Closure: Resolved, solution category, useful information.
  const closure = page.getByRole('region', { name: l.closure });
  await expect(closure).toBeVisible();
  await closure.getByRole('button', { name: l.resolved, exact: true }).click();
  await expect(closure.getByRole('button', { name: l.resolved, exact: true })).toHaveAttribute('aria-pressed', 'true');
  await closure.getByLabel(l.category).selectOption({ index: 1 });
  await closure.getByLabel(l.usefulInfo).fill(`Ejecutado por ${user}: paquete desplegado y validado.`);
  // 6a. Options > Save and keep current task: the task stays with the user, the log has it.
  await chooseOption(page, lang, 'saveKeep');
  await expect(page.getByRole('status').filter({ hasText: l.saved })).toBeVisible();
  await page.getByRole('button', { name: l.log, exact: true }).click();
  const log = page.getByRole('dialog', { name: l.log });
  await expect(log.getByRole('cell', { name: l.logSaved, exact: true }).first()).toBeVisible();
  await log.getByRole('button', { name: l.close }).click();
  // 5. The flow as a diagram.
  await page.getByRole('button', { name: l.flow, exact: true }).click();
  const flow = page.getByRole('dialog');
  await expect(flow.getByRole('img')).toBeVisible();
  await flow.getByRole('button', { name: l.close }).click();
  // 6b. Options > Save and advance flow: back to the list with a confirmation.
  await chooseOption(page, lang, 'saveAdvance');
  await expect(page).toHaveURL(/\/releases$/);
  await expect(page.getByRole('status').filter({ hasText: number })).toBeVisible();
  const row = await rowOf(page, lang, number);
  await expect(row).toContainText(l.statusResolved);
  await expect(row).toContainText(l.review);
  await expect(row).toContainText(l.unassigned);
  // The log shows the advance with the time spent.
  await page.goto(`/releases/${number}`);
  await formLive(page);
  await page.getByRole('button', { name: l.log, exact: true }).click();
  // Newest first: the execution step's advance heads the log.
  const advance = page.getByRole('dialog', { name: l.log }).getByRole('row').filter({ hasText: l.logAdvanced }).first();
  await expect(advance).toContainText(user === 'ana' ? 'Ana' : 'João');
  await expect(advance).toContainText(pattern(lang, 'log.minutes', { minutes: /\d+/ }, { whole: false }));
  return number;
}

test('ana executes a release in Spanish and gestor closes it', async ({ page }) => {
  const number = await executeRelease(page, 'es', 'ana');
  await page.context().clearCookies();
  await login(page, 'gestor', 'es');
  await openAndCapture(page, 'es', number);
  await page.getByRole('button', { name: LABELS.es.accept }).click();
  await chooseOption(page, 'es', 'saveAdvance');
  await expect(page).toHaveURL(/\/releases$/);
  const row = await rowOf(page, 'es', number);
  await expect(row).toContainText(LABELS.es.statusClosed);
});

test.describe('in Portuguese', () => {
  test.use({ locale: 'pt-BR' });

  test('joao executes a release', async ({ page }) => {
    await executeRelease(page, 'pt', 'joao');
  });
});

test('a release sent through Not resolved goes back to Execution authorization', async ({ page }) => {
  const l = LABELS.es;
  await login(page, 'ana', 'es');
  await showWaitingForMyGroups(page, 'es');
  const number = await firstNumber(page);
  await openAndCapture(page, 'es', number);
  const closure = page.getByRole('region', { name: l.closure });
  await closure.getByRole('button', { name: l.notResolved, exact: true }).click();
  await closure.getByLabel(l.usefulInfo).fill('La migración de la base de datos falló; se revirtió.');
  await chooseOption(page, 'es', 'saveAdvance');
  await expect(page).toHaveURL(/\/releases$/);
  const row = await rowOf(page, 'es', number);
  await expect(row).toContainText(l.statusNotResolved);
  await expect(row).toContainText(l.authorization);
});

test('a user of another group sees the release read-only with the reason', async ({ page }) => {
  await login(page, 'lucia', 'es');
  await page.getByLabel(LABELS.es.status, { exact: true }).selectOption({ label: LABELS.es.approved });
  const row = page.getByRole('row').filter({ hasText: 'Despliegue N1' }).first();
  await row.getByRole('button', { name: LABELS.es.open }).click();
  await formLive(page);
  await expect(page.getByRole('note')).toContainText('Despliegue N1');
  await expect(page.getByRole('button', { name: LABELS.es.options })).toHaveCount(0);
});
