import { test, expect, type Page } from '@playwright/test';
import { type Language, formLive, login, text } from './helpers';

/** A release gestor registers for Despliegue N1 (a release of this test alone): its number. */
async function registered(page: Page, lang: Language): Promise<string> {
  const post = async (endpoint: string, body: object) => {
    const answer = await page.request.post(`/api/${endpoint}`, { data: body });
    expect(answer.ok(), `${endpoint}: ${await answer.text()}`).toBeTruthy();
    return answer.json();
  };
  const groups: { id: number, name: string }[] = await post('executor_groups', {});
  const group = groups.find((g) => g.name === 'Despliegue N1')!.id;
  const id: number = await post('register_release', { registration: {
    title: `Corrección de datos (${lang})`, description: 'Nueva versión', executor_group: group,
    release_type: 'normal', risk: 'medium', impact: 2, urgency: 2,
    planned_start: 1_900_000_000, planned_end: 1_900_086_400, version_label: '2.0.0',
  } });
  return String(id);
}

async function openCorrection(page: Page, lang: Language) {
  await page.getByRole('button', { name: text(lang, 'form.correct') }).click();
  const dialog = page.getByRole('dialog', { name: text(lang, 'form.correct') });
  await expect(dialog).toBeVisible();
  return dialog;
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`correcting registered data in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });

    test('the requester raises the urgency: the priority and the log follow; a stale second tab is refused', async ({ page, context }) => {
      await login(page, 'gestor', lang);
      const number = await registered(page, lang);
      await page.goto(`/releases/${number}`);
      await formLive(page);
      // A second tab on the same release, opened before the correction.
      const other = await context.newPage();
      await other.goto(`/releases/${number}`);
      await formLive(other);

      const dialog = await openCorrection(page, lang);
      // The urgency raised to high, or lowered if it is high already; the priority follows.
      const urgency = dialog.getByLabel(text(lang, 'field.urgency'));
      const chosen = (await urgency.inputValue()) === '1' ? '3' : '1';
      const level = text(lang, chosen === '1' ? 'level.high' : 'level.low');
      const priorityBefore = (await dialog.locator('output').textContent())!.trim();
      await urgency.selectOption(chosen);
      await expect(dialog.locator('output')).not.toHaveText(priorityBefore);
      const priority = (await dialog.locator('output').textContent())!.trim();
      await dialog.getByRole('button', { name: text(lang, 'form.correct_save') }).click();
      await expect(dialog).toBeHidden();
      const data = page.getByRole('region', { name: text(lang, 'form.data') });
      await expect(data.getByRole('definition').filter({ hasText: level })).not.toHaveCount(0);

      await page.getByRole('button', { name: text(lang, 'log.title'), exact: true }).click();
      const log = page.getByRole('dialog', { name: text(lang, 'log.title') });
      const corrected = log.getByRole('row').filter({ hasText: text(lang, 'log.edited') });
      await expect(corrected).toHaveCount(1);
      // Only what changed: the urgency and the priority, the dates untouched.
      const changes = corrected.getByRole('list', { name: text(lang, 'log.changes') }).getByRole('listitem');
      await expect(changes).toHaveCount(2);
      await expect(changes.first()).toContainText(`${text(lang, 'field.urgency')}: `);
      await expect(changes.first()).toContainText(`→ ${level}`);
      await expect(changes.last()).toContainText(`→ ${priority}`);
      await log.getByRole('button', { name: text(lang, 'dialog.close') }).first().click();

      // The second tab still holds the earlier version: its correction is refused, nothing lost.
      const stale = await openCorrection(other, lang);
      await stale.getByLabel(text(lang, 'field.title')).fill('Cambio de una pestaña vieja');
      await stale.getByRole('button', { name: text(lang, 'form.correct_save') }).click();
      await expect(stale.getByRole('alert')).toContainText(text(lang, 'error.stale_version'));
      await other.reload();
      await formLive(other);
      await expect(other.getByRole('region', { name: text(lang, 'form.data') })).not.toContainText('Cambio de una pestaña vieja');
    });
  });
}
