import { test, expect, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { expectAccessible, hydrated, listLive, login, text } from './helpers';

/** "30/11/2026 18:05" as "2026-11-30 18:05", which sorts as the times do. */
function sortable(shown: string): string {
  const [day, month, rest] = shown.trim().split('/');
  return `${rest.slice(0, 4)}-${month}-${day}${rest.slice(4)}`;
}

/** The cells of one column of the list's rows (1-based, the number being the first). */
async function column(page: Page, index: number): Promise<string[]> {
  return (await page.getByRole('table').locator(`tbody tr > :nth-child(${index})`).allTextContents()).map((c) => c.trim());
}

function day(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`sorting and date ranges in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });

    test('sorted by priority, then by deadline; two groups and a registration range; reload, back and the CSV keep the view', async ({ page }) => {
      await login(page, 'gestor', lang);
      const list = page.locator('section.release-list');
      const header = (key: string) => page.getByRole('columnheader', { name: text(lang, key) });
      const priorities = [1, 2, 3, 4, 5].map((p) => text(lang, `priority.p${p}`));

      // Priority: the most urgent first, then the other way.
      await header('list.priority').getByRole('link').click();
      await expect(page).toHaveURL(/sort=priority(&|$)/);
      await expect(header('list.priority')).toHaveAttribute('aria-sort', 'ascending');
      await expect(list).toHaveAttribute('aria-busy', 'false');
      const ranks = (await column(page, 4)).map((p) => priorities.indexOf(p));
      expect(ranks.length).toBeGreaterThan(1);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      expect(ranks[0]).toBe(0);

      // Deadline: the soonest first.
      await header('list.deadline').getByRole('link').click();
      await expect(page).toHaveURL(/sort=deadline(&|$)/);
      await expect(header('list.deadline')).toHaveAttribute('aria-sort', 'ascending');
      await expect(header('list.priority')).toHaveAttribute('aria-sort', 'none');
      await expect(list).toHaveAttribute('aria-busy', 'false');
      const deadlines = (await column(page, 5)).map(sortable);
      expect(deadlines).toEqual([...deadlines].sort());

      // Two executor groups and a registration range, applied with the search.
      await page.getByText(text(lang, 'list.more_filters')).click();
      const groups = page.getByRole('group', { name: text(lang, 'list.groups') });
      await groups.getByLabel('Despliegue N1').check();
      await expect(page).toHaveURL(/group=\d+(&|$)/);
      await groups.getByLabel('Despliegue N2').check();
      await expect(page).toHaveURL(/group=\d+(%2C|,)\d+/);
      const range = page.getByRole('group', { name: text(lang, 'list.registered_range') });
      const [from, to] = [day(45), day(5)];
      await range.getByLabel(text(lang, 'list.date_from')).fill(from);
      await range.getByLabel(text(lang, 'list.date_to')).fill(to);
      await page.getByRole('button', { name: text(lang, 'list.apply') }).click();
      await expect(page).toHaveURL(new RegExp(`registered_from=${from}&registered_to=${to}`));
      await expect(page).toHaveURL(/sort=deadline/);
      await expect(list).toHaveAttribute('aria-busy', 'false');
      const rows = page.getByRole('table').locator('tbody tr');
      await expect(rows.first()).toBeVisible();
      await expect(rows.filter({ hasNotText: /Despliegue N[12]/ })).toHaveCount(0);
      const registered = (await column(page, 3)).map((c) => sortable(c).slice(0, 10));
      expect(registered.every((d) => d >= from && d <= to), registered.join(', ')).toBeTruthy();
      const shownDeadlines = (await column(page, 5)).map(sortable);
      expect(shownDeadlines).toEqual([...shownDeadlines].sort());
      await expectAccessible(page, 'the sorted, filtered list');

      // A reload keeps it all; back undoes the range; forward brings it back.
      const numbers = await column(page, 1);
      await page.reload();
      await hydrated(page);
      await expect(header('list.deadline')).toHaveAttribute('aria-sort', 'ascending');
      await expect(range.getByLabel(text(lang, 'list.date_from'))).toHaveValue(from);
      await expect(groups.getByLabel('Despliegue N2')).toBeChecked();
      expect(await column(page, 1)).toEqual(numbers);
      await page.goBack();
      await expect(page).not.toHaveURL(/registered_from/);
      await expect(range.getByLabel(text(lang, 'list.date_from'))).toHaveValue('');
      await page.goForward();
      await expect(range.getByLabel(text(lang, 'list.date_to'))).toHaveValue(to);
      await expect(list).toHaveAttribute('aria-busy', 'false');
      expect(await column(page, 1)).toEqual(numbers);

      // The file holds the same releases in the same order, when they fit a page.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: text(lang, 'list.export') }).click(),
      ]);
      const lines = (await readFile(await download.path())).toString('utf8').trim().split('\n');
      const exported = lines.slice(1).map((line) => line.split(',')[0]);
      expect(exported.slice(0, numbers.length)).toEqual(numbers);

      // A range that ends before it starts is refused, saying which.
      await range.getByLabel(text(lang, 'list.date_from')).fill(to);
      await range.getByLabel(text(lang, 'list.date_to')).fill(from);
      await page.getByRole('button', { name: text(lang, 'list.apply') }).click();
      await expect(page.getByRole('alert')).toContainText(text(lang, 'list.registered_range'));
    });

    for (const [width, height] of [[1366, 768], [375, 812]] as const) {
      test(`at ${width} × ${height} nothing scrolls sideways and every button is in reach`, async ({ page }) => {
        await page.setViewportSize({ width, height });
        await login(page, 'gestor', lang);
        await listLive(page);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        const wrap = page.locator('.table-wrap').first();
        expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        const rows = page.getByRole('table').locator('tbody tr');
        const count = await rows.count();
        expect(count).toBeGreaterThan(0);
        for (let i = 0; i < Math.min(count, 5); i++) {
          for (const button of await rows.nth(i).locator('a.button:visible, button:visible').all()) {
            const box = (await button.boundingBox())!;
            expect(box.x).toBeGreaterThanOrEqual(0);
            expect(box.x + box.width).toBeLessThanOrEqual(width);
            if (width < 640) expect(box.height).toBeGreaterThanOrEqual(44);
          }
        }
        // The sort is a choice too, where the headers are not shown (the cards).
        await page.getByLabel(text(lang, 'list.sort_by')).selectOption('-deadline');
        await expect(page).toHaveURL(/sort=-deadline/);
        await expectAccessible(page, `the list at ${width} px`);
      });
    }
  });
}
