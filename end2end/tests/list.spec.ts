import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { expectAccessible, hydrated, login, text } from './helpers';

for (const lang of ['es', 'pt'] as const) {
  test.describe(`the list's view in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });

    test('two priorities, two groups, late only and 50 a page live in the address; the CSV holds every release they select', async ({ page }) => {
      await login(page, 'gestor', lang);
      const list = page.locator('section.release-list');
      await page.getByText(text(lang, 'list.more_filters')).click();
      const priorities = page.getByRole('group', { name: text(lang, 'list.priorities') });
      const [critical, high] = [text(lang, 'priority.p1'), text(lang, 'priority.p2')];
      await priorities.getByLabel(critical).check();
      await expect(page).toHaveURL(/priority=1(&|$)/);
      await priorities.getByLabel(high).check();
      await expect(page).toHaveURL(/priority=1(%2C|,)2/);
      await expect(list).toHaveAttribute('aria-busy', 'false');
      const shown = (await page.getByRole('table').locator('tbody .pill').allTextContents()).map((p) => p.trim());
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.every((p) => p === critical || p === high), shown.join(', ')).toBeTruthy();

      // Two executor groups of the three.
      const groups = page.getByRole('group', { name: text(lang, 'list.groups') });
      await groups.getByLabel('Despliegue N1').check();
      await expect(page).toHaveURL(/group=\d+(&|$)/);
      await groups.getByLabel('Despliegue N2').check();
      await expect(page).toHaveURL(/group=\d+(%2C|,)\d+/);
      await expect(list).toHaveAttribute('aria-busy', 'false');
      const rows = page.getByRole('table').locator('tbody tr');
      await expect(rows.first()).toBeVisible();
      await expect(rows.filter({ hasNotText: /Despliegue N[12]/ })).toHaveCount(0);

      const size = page.getByLabel(text(lang, 'list.page_size'));
      await size.selectOption('50');
      await expect(page).toHaveURL(/size=50/);
      const late = page.getByLabel(text(lang, 'list.late_only'));
      await late.check();
      await expect(page).toHaveURL(/late=true/);
      await expect(list).toHaveAttribute('aria-busy', 'false');
      await expectAccessible(page, 'the filtered list');

      // A reload shows the same view; back undoes the last filter, forward redoes it.
      await page.reload();
      await hydrated(page);
      await expect(priorities.getByLabel(critical)).toBeChecked();
      await expect(priorities.getByLabel(high)).toBeChecked();
      await expect(groups.getByLabel('Despliegue N2')).toBeChecked();
      await expect(late).toBeChecked();
      await expect(size).toHaveValue('50');
      await page.goBack();
      await expect(page).not.toHaveURL(/late=true/);
      await expect(late).not.toBeChecked();
      await expect(priorities.getByLabel(high)).toBeChecked();
      await page.goForward();
      await expect(late).toBeChecked();
      await expect(list).toHaveAttribute('aria-busy', 'false');

      // The file: every release the filters select, in the page's language.
      const numbers = (await page.getByRole('table').getByRole('rowheader').allTextContents()).map((n) => n.trim());
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: text(lang, 'list.export') }).click(),
      ]);
      const lines = (await readFile(await download.path())).toString('utf8').trim().split('\n');
      expect(lines[0]).toContain(text(lang, 'list.executor_group'));
      const exported = lines.slice(1).map((line) => line.split(',')[0]);
      expect(exported).toEqual(numbers);
    });
  });
}
