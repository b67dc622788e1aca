import { test, expect, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { LABELS, type Language, localized, login, hydrated, rowOf, listLive, expectAccessible, formLive, authorizedRelease } from './helpers';

const N = localized({
  bell: 'notifications.bell', title: 'notifications.title', markAll: 'notifications.mark_all',
  delegated: 'notifications.kind_delegated', takeTask: 'form.take_task', attachments: 'attachments.title',
  attach: 'attachments.attach', toOccurrence: 'attachments.attach_to_occurrence',
});

/** Clicks a download link; the saved file's bytes. */
async function downloaded(page: Page, link: ReturnType<Page['getByRole']>): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return readFile((await download.path())!);
}

/** The bell's unread count, from its accessible name ("Notificaciones sin leer: 3"). */
async function bellCount(page: Page, lang: Language): Promise<number> {
  const bell = page.getByRole('link', { name: new RegExp(`^${N[lang].bell}: \\d+$`) });
  const name = (await bell.getAttribute('aria-label')) ?? '';
  return Number(name.split(': ').pop());
}

/** Gestor registers a release of Despliegue N2 through the API and authorizes it: its task waits for N2. */
async function releaseOfTheOtherGroup(page: Page, title: string): Promise<string> {
  return String(await authorizedRelease(page.request, 'Despliegue N2', title));
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`notifications in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    const l = LABELS[lang];
    const n = N[lang];

    test('ana sees the bell rise without a reload when gestor delegates to her group, opens the release, captures it and attaches evidence to it and to an occurrence', async ({ page, browser }) => {
      // Ana, on the list: the stream of live events open.
      await login(page, 'ana', lang);
      await expect(page.locator('html[data-live-events="open"]')).toBeAttached();
      const before = await bellCount(page, lang);

      const manager = await browser.newContext({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
      const gestor = await manager.newPage();
      await login(gestor, 'gestor', lang);
      const title = `Aviso ${lang} ${Date.now()}`;
      const number = await releaseOfTheOtherGroup(gestor, title);
      // Acción > Delegar, to Despliegue N1 (no one in particular).
      await gestor.goto('/releases');
      await listLive(gestor);
      const row = await rowOf(gestor, lang, number);
      await row.getByRole('button', { name: l.action }).click();
      await gestor.getByRole('menuitem', { name: l.delegate, exact: true }).click();
      const dialog = gestor.getByRole('dialog');
      await dialog.getByLabel(l.group).selectOption({ label: 'Despliegue N1' });
      await dialog.getByRole('button', { name: l.confirm }).click();
      await expect(dialog).toBeHidden();
      await manager.close();

      // The bell rises on ana's page, and in its title, with no reload.
      const bell = page.getByRole('link', { name: `${n.bell}: ${before + 1}` });
      await expect(bell).toBeVisible();
      await expect(page).toHaveTitle(new RegExp(`^\\(${before + 1}\\) `));
      // By keyboard: the bell is a link that takes the focus.
      await bell.focus();
      await expect(bell).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(/\/notifications$/);
      await hydrated(page);
      await expect(page.getByRole('heading', { name: n.title })).toBeVisible();
      const newest = page.locator('.notification-list').getByRole('listitem').first();
      await expect(newest).toContainText(n.delegated);
      await expect(newest).toContainText('Marta Gestora');
      await expectAccessible(page, 'notifications');
      await newest.getByRole('link', { name: `#${number} ${title}` }).click();
      await expect(page).toHaveURL(new RegExp(`/releases/${number}$`));
      await expect(page.locator('article.release-form')).toContainText(title);
      // Opened: read, one fewer on the bell.
      await expect(page.getByRole('link', { name: `${n.bell}: ${before}` })).toBeVisible();

      // She takes the task, and attaches the evidence to the release…
      await formLive(page);
      await page.getByRole('button', { name: n.takeTask }).click();
      await page.getByRole('dialog').getByRole('button', { name: l.confirm }).click();
      await expect(page.getByRole('button', { name: n.takeTask })).toHaveCount(0);
      await page.getByRole('tab', { name: n.attachments, exact: true }).click();
      const panel = page.getByRole('tabpanel', { name: n.attachments, exact: true });
      const report = Buffer.from(`Despliegue (${lang}): 12 nodos actualizados.\n`, 'utf8');
      await panel.getByLabel(n.attach, { exact: true }).setInputFiles({ name: 'informe.txt', mimeType: 'text/plain', buffer: report });
      const file = panel.getByRole('link', { name: 'informe.txt' });
      await expect(file).toBeVisible();
      expect(await downloaded(page, file)).toEqual(report);

      // …and to a manual occurrence of its log, and downloads both back byte for byte.
      const answer = await page.request.post('/api/add_occurrence', { data: { id: Number(number), occurrence: {
        category: 'execution', origin: 'phone', minutes: 5, description: `Aviso atendido (${lang})`,
        occurrence: 'Se adjunta la confirmación.', user_information: 'Sin impacto.',
      } } });
      expect(answer.ok(), await answer.text()).toBeTruthy();
      await page.getByRole('button', { name: l.log, exact: true }).click();
      const log = page.getByRole('dialog', { name: l.log });
      const occurrence = () => log.getByRole('row').filter({ hasText: `Aviso atendido (${lang})` });
      const confirmation = Buffer.from('ventana confirmada por el proveedor\n', 'utf8');
      await occurrence().getByLabel(n.toOccurrence).setInputFiles({ name: 'confirmacion.txt', mimeType: 'text/plain', buffer: confirmation });
      const attached = occurrence().getByRole('link', { name: 'confirmacion.txt' });
      await expect(attached).toBeVisible();
      expect(await downloaded(page, attached)).toEqual(confirmation);
    });

    test('the notifications page fits 375 pixels wide and marks everything read', async ({ page }) => {
      await page.setViewportSize({ width: 375, height: 740 });
      await login(page, 'ana', lang);
      await page.goto('/notifications');
      await hydrated(page);
      await expect(page.getByRole('heading', { name: n.title })).toBeInViewport();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await expectAccessible(page, 'notifications at 375 px');
      await page.getByRole('button', { name: n.markAll }).click();
      await expect(page.getByRole('link', { name: `${n.bell}: 0` })).toBeVisible();
    });
  });
}
