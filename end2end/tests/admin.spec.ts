import { test, expect } from '@playwright/test';
import { expectAccessible, hydrated, listLive, localized, login, submitLogin, format, text } from './helpers';

const ADMIN = localized({
  administration: 'menu.administration', users: 'menu.users', title: 'admin.users_title', newUser: 'admin.new_user',
  create: 'admin.create', username: 'field.username', fullName: 'field.full_name', email: 'field.email',
  groups: 'field.groups', temporaryNotice: 'account.temporary', current: 'account.current',
  newPassword: 'field.new_password', repeat: 'field.password_repeat', change: 'account.submit',
  logout: 'header.logout', action: 'list.action', deactivate: 'admin.deactivate', confirm: 'dialog.confirm',
  inactive: 'admin.inactive', search: 'admin.search', apply: 'list.apply', badCredentials: 'error.bad_credentials',
  groupsMenu: 'menu.groups', groupsTitle: 'admin.groups_title', newGroup: 'admin.new_group', groupName: 'field.group_name',
  permissions: 'admin.permissions', execute: 'permission.execute', save: 'admin.save', granted: 'admin.granted',
  logMenu: 'menu.admin_log', logTitle: 'admin.log_title', webhooksTitle: 'webhooks.title', userCreated: 'admin.kind_user_created',
  groupCreated: 'admin.kind_group_created', cataloguesMenu: 'menu.catalogues', cataloguesTitle: 'admin.catalogues_title',
  newItem: 'admin.new_item', code: 'field.code', nameEs: 'field.name_es', namePt: 'field.name_pt', offered: 'admin.offered',
  refused: (lang) => format(lang, 'error.group_lacks_permission', { permission: text(lang, 'permission.administer') }),
  catalogue: 'admin.catalogue', problems: 'admin.problems', importCsv: 'admin.import_csv', importFile: 'admin.import_file',
  import: 'admin.import', close: 'admin.close', preview: 'admin.preview',
});

for (const lang of ['es', 'pt'] as const) {
  test.describe(`administration in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    test.slow();
    const a = ADMIN[lang];
    const username = `nuevo-${lang}`;
    const group = `Despliegue ${lang.toUpperCase()}`;
    const chosen = `clave-nueva-${lang}-2026`;

    test('an administrator creates a group with Ejecutar and a user in it, who must change the temporary password', async ({ page }) => {
      await login(page, 'admin', lang);
      await page.getByRole('button', { name: a.administration }).click();
      await page.getByRole('menuitem', { name: a.groupsMenu }).click();
      await expect(page.getByRole('heading', { name: a.groupsTitle })).toBeVisible();
      await hydrated(page);
      await page.getByRole('button', { name: a.newGroup }).click();
      const groupForm = page.getByRole('dialog');
      await groupForm.getByLabel(a.groupName, { exact: true }).fill(group);
      await groupForm.getByRole('group', { name: a.permissions }).getByLabel(a.execute, { exact: true }).check();
      await expectAccessible(page, 'new group form');
      await groupForm.getByRole('button', { name: a.save }).click();
      await expect(groupForm).toBeHidden();
      // The matrix: the new group's row marks Ejecutar.
      const groupRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: group, exact: true }) });
      await expect(groupRow).toHaveCount(1);
      const cells = groupRow.locator('td.granted');
      await expect(cells.nth(1)).toHaveText(`✓${a.granted}`);
      await expect(cells.nth(0)).toHaveText('');
      await expectAccessible(page, 'groups');

      await page.getByRole('button', { name: a.administration }).click();
      await page.getByRole('menuitem', { name: a.users }).click();
      await expect(page.getByRole('heading', { name: a.title })).toBeVisible();
      await hydrated(page);
      await expectAccessible(page, 'users');

      await page.getByRole('button', { name: a.newUser }).click();
      const form = page.getByRole('dialog');
      await form.getByLabel(a.username, { exact: true }).fill(username);
      await form.getByLabel(a.fullName, { exact: true }).fill(`Nuevo Ejecutor ${lang}`);
      await form.getByLabel(a.email, { exact: true }).fill(`${username}@example.com`);
      await form.getByRole('group', { name: a.groups }).getByLabel(group, { exact: true }).check();
      await expectAccessible(page, 'new user form');
      await form.getByRole('button', { name: a.create }).click();
      await expect(form).toBeHidden();

      // Shown once, in a notice naming the user.
      const notice = page.getByRole('status').filter({ hasText: format(lang, 'admin.temporary_password', { user: username }) });
      const temporary = (await notice.locator('.temporary-password').textContent())!.trim();
      expect(temporary).toMatch(/^[A-Za-z0-9]{12}$/);
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: username, exact: true }) });
      await expect(row).toContainText(group);

      // Both changes are in the administration log, newest first.
      await page.getByRole('button', { name: a.administration }).click();
      await page.getByRole('menuitem', { name: a.logMenu }).click();
      await expect(page.getByRole('heading', { name: a.logTitle })).toBeVisible();
      const logRows = page.getByRole('table').getByRole('row');
      await expect(logRows.nth(1)).toContainText(a.userCreated);
      await expect(logRows.nth(1).getByRole('rowheader')).toHaveText(username);
      await expect(logRows.nth(2)).toContainText(a.groupCreated);
      await expectAccessible(page, 'administration log');

      // A solution category of the team's own, in both languages.
      await page.getByRole('button', { name: a.administration }).click();
      await page.getByRole('menuitem', { name: a.cataloguesMenu }).click();
      await expect(page.getByRole('heading', { name: a.cataloguesTitle })).toBeVisible();
      await hydrated(page);
      await expectAccessible(page, 'catalogues');
      await page.getByRole('button', { name: a.newItem }).click();
      const itemForm = page.getByRole('dialog');
      await itemForm.getByLabel(a.code, { exact: true }).fill(`hotfix_${lang}`);
      await itemForm.getByLabel(a.nameEs, { exact: true }).fill(`Corrección urgente ${lang}`);
      await itemForm.getByLabel(a.namePt, { exact: true }).fill(`Correção urgente ${lang}`);
      await expectAccessible(page, 'new catalogue item form');
      await itemForm.getByRole('button', { name: a.save }).click();
      await expect(itemForm).toBeHidden();
      const itemRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: `hotfix_${lang}`, exact: true }) });
      await expect(itemRow).toContainText(a.offered);

      // The new user logs in with it and is sent to choose their own.
      await page.getByRole('button', { name: a.logout }).click();
      await expect(page).toHaveURL(/\/login/);
      await submitLogin(page, username, lang, temporary);
      await expect(page).toHaveURL(/\/account\?temporary=true/);
      await expect(page.getByText(a.temporaryNotice)).toBeVisible();
      // Every other page leads back here until the password is changed.
      await page.goto('/releases');
      await expect(page).toHaveURL(/\/account\?temporary=true/);
      await hydrated(page);
      await page.getByLabel(a.current, { exact: true }).fill(temporary);
      await page.getByLabel(a.newPassword, { exact: true }).fill(chosen);
      await page.getByLabel(a.repeat, { exact: true }).fill(chosen);
      await page.getByRole('button', { name: a.change }).click();
      await expect(page).toHaveURL(/\/login/);

      // With their own password: the list of their group, and no administration menu.
      await login(page, username, lang, chosen);
      await listLive(page);
      await expect(page.getByRole('button', { name: a.administration })).toHaveCount(0);
      // The page itself refuses them: the server checks Administrar.
      await page.goto('/admin/users');
      await expect(page.getByRole('alert')).toContainText(a.refused);
    });

    test('every administration page fits 375 pixels wide', async ({ page }) => {
      await page.setViewportSize({ width: 375, height: 740 });
      await login(page, 'admin', lang);
      for (const [path, heading] of [
        ['/admin/users', a.title], ['/admin/groups', a.groupsTitle], ['/admin/catalogues', a.cataloguesTitle],
        ['/admin/log', a.logTitle], ['/admin/webhooks', a.webhooksTitle],
      ]) {
        await page.goto(path);
        await hydrated(page);
        await expect(page.getByRole('heading', { name: heading })).toBeInViewport();
        // Nothing but a table itself scrolls sideways.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
        await expectAccessible(page, `${path} at 375 px`);
      }
    });

    test('an administrator imports problems from a CSV file once its preview has no error', async ({ page }) => {
      await login(page, 'admin', lang);
      await page.goto('/admin/catalogues');
      await hydrated(page);
      await page.getByLabel(a.catalogue, { exact: true }).selectOption({ label: a.problems });
      await page.getByRole('button', { name: a.importCsv }).click();
      const dialog = page.getByRole('dialog');
      const file = (lines: string[]) => ({
        name: 'problemas.csv', mimeType: 'text/csv', buffer: Buffer.from(['code,title,status,active', ...lines, ''].join('\n')),
      });
      const first = `IMP-${lang}-1,Problema importado ${lang},registered,1`;
      // A formula on line 3: the file is refused whole, the line named with why.
      await dialog.getByLabel(a.importFile).setInputFiles(file([first, `IMP-${lang}-2,=1+1,registered,1`]));
      const alert = dialog.getByRole('alert');
      await expect(alert).toContainText(format(lang, 'admin.import_refused', { count: 1 }));
      await expect(alert.getByRole('listitem')).toHaveText(
        `${format(lang, 'admin.import_line', { line: 3 })}: ${format(lang, 'admin.import_formula', { column: 'title' })}`,
      );
      await expect(dialog.getByRole('button', { name: a.import, exact: true })).toBeDisabled();
      await expectAccessible(page, 'import preview with a bad line');
      // Corrected: the preview says what each line does; nothing is imported until asked.
      await dialog.getByLabel(a.importFile).setInputFiles(file([first, `IMP-${lang}-2,Segundo problema ${lang},known_error,1`]));
      await expect(dialog.getByRole('status')).toHaveText(format(lang, 'admin.import_summary', { create: 2, update: 0, unchanged: 0 }));
      await expect(dialog.getByRole('region', { name: a.preview }).getByRole('row')).toHaveCount(3);
      await expectAccessible(page, 'import preview');
      await dialog.getByRole('button', { name: a.import, exact: true }).click();
      await expect(dialog.getByRole('status')).toHaveText(format(lang, 'admin.imported', { create: 2, update: 0 }));
      await dialog.getByRole('button', { name: a.close }).click();
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: `IMP-${lang}-2`, exact: true }) });
      await expect(row).toContainText(`Segundo problema ${lang}`);
      await expect(row).toContainText(text(lang, 'catalogue.known_error'));
    });

    test('a deactivated user is logged out at once and cannot log in', async ({ page, browser }) => {
      const theirs = await browser.newContext({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
      const them = await theirs.newPage();
      await login(them, username, lang, chosen);

      await login(page, 'admin', lang);
      await page.goto('/admin/users');
      await hydrated(page);
      await page.getByRole('searchbox', { name: a.search }).fill(username);
      await page.getByRole('button', { name: a.apply }).click();
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: username, exact: true }) });
      await row.getByRole('button', { name: a.action }).click();
      await page.getByRole('menuitem', { name: a.deactivate }).click();
      await page.getByRole('dialog').getByRole('button', { name: a.confirm }).click();
      await expect(row).toContainText(a.inactive);

      // Their open page finds its session gone on the next request.
      expect((await them.request.post('/api/current_user', { data: {} })).status()).toBe(401);
      await submitLogin(them, username, lang, chosen);
      await expect(them.getByRole('alert')).toContainText(a.badCredentials);
      await theirs.close();
    });
  });
}
