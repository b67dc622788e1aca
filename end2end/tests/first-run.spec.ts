import { test, expect, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FLOW, LABELS, type Language, chooseOption, expectAccessible, format, hydrated, localized, login, openAndCapture,
  rowOf, submitLogin, text,
} from './helpers';

// A team's first day, from an empty database: the server started without the demo, and the
// first administrator made by `releasedesk create-admin`. Everything else through the pages.
const serverBin = process.env.SERVER_BIN ?? path.join(os.homedir(), '.cache/releasedesk/target/release/releasedesk');
const ADMIN_PASSWORD = 'clave-de-la-jefa-2026';

const L = localized({
  administration: 'menu.administration', users: 'menu.users', groups: 'menu.groups', catalogues: 'menu.catalogues',
  newGroup: 'admin.new_group', groupName: 'field.group_name', permissions: 'admin.permissions', save: 'admin.save',
  create: 'permission.create', execute: 'permission.execute', newUser: 'admin.new_user', createUser: 'admin.create',
  username: 'field.username', fullName: 'field.full_name', email: 'field.email', memberOf: 'field.groups',
  zone: 'time_zone.field', language: 'time_zone.language', edit: 'admin.edit', action: 'list.action', useBrowserZone: 'time_zone.use_browser',
  catalogue: 'admin.catalogue', problems: 'admin.problems', newItem: 'admin.new_item', code: 'field.code',
  nameEs: 'field.name_es', namePt: 'field.name_pt', title: 'field.title', status: 'field.status',
  knownError: 'catalogue.known_error', register: 'list.register', description: 'field.description',
  executorGroup: 'field.executor_group', plannedStart: 'field.planned_start', plannedEnd: 'field.planned_end',
  version: 'field.version_label', submitRegistration: 'register.submit', logout: 'header.logout',
  current: 'account.current', newPassword: 'field.new_password', repeat: 'field.password_repeat',
  changePassword: 'account.submit', problemsTab: 'relations.problems', search: 'relations.search', link: 'relations.link',
  linked: 'log.linked', languageName: (lang) => text(lang, lang === 'es' ? 'catalogue.lang_es' : 'catalogue.lang_pt'),
});

/** A release server of its own on a fresh database, with its first administrator. */
class FirstServer {
  readonly url: string;
  private process?: ChildProcess;
  /** Made when the server starts: Playwright also loads this file to list the tests, in a
   * process that runs none of them. */
  private dir = '';

  constructor(readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
  }

  private env() {
    return {
      ...process.env,
      DATABASE_URL: path.join(this.dir, 'desk.db'),
      LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
      LEPTOS_SITE_ROOT: path.resolve(__dirname, '../../target/site'),
      LEPTOS_OUTPUT_NAME: 'releasedesk',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_ENV: 'PROD',
      RUST_LOG: 'warn',
    };
  }

  async start() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'releasedesk-first-run-'));
    const created = spawnSync(serverBin, ['create-admin', 'jefa', 'Jefa de Operaciones'], {
      env: this.env(), input: `${ADMIN_PASSWORD}\n`, encoding: 'utf8',
    });
    expect(created.status, created.stderr).toBe(0);
    this.process = spawn(serverBin, ['serve'], { env: this.env(), stdio: 'ignore' });
    // Ready when the login page answers.
    await expect(async () => {
      const answer = await fetch(`${this.url}/login`);
      expect(answer.status).toBe(200);
    }).toPass({ timeout: 60_000 });
  }

  stop() {
    this.process?.kill('SIGTERM');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function openAdministration(page: Page, lang: Language, item: 'users' | 'groups' | 'catalogues') {
  const l = L[lang];
  await page.getByRole('button', { name: l.administration }).click();
  await page.getByRole('menuitem', { name: l[item] }).click();
  await hydrated(page);
}

async function createGroup(page: Page, lang: Language, name: string, permissions: string[]) {
  const l = L[lang];
  await page.getByRole('button', { name: l.newGroup }).click();
  const form = page.getByRole('dialog');
  await form.getByLabel(l.groupName, { exact: true }).fill(name);
  for (const permission of permissions) {
    await form.getByRole('group', { name: l.permissions }).getByLabel(permission, { exact: true }).check();
  }
  await form.getByRole('button', { name: l.save }).click();
  await expect(form).toBeHidden();
}

const base = Number(process.env.E2E_PORT ?? 3210);

for (const [index, lang] of (['es', 'pt'] as const).entries()) {
  test.describe(`a team's first day in ${lang}`, () => {
    const server = new FirstServer(base + 20 + index);
    test.beforeAll(async () => server.start());
    test.afterAll(() => server.stop());
    // The administrator works from Madrid; the new executor from São Paulo.
    test.use({ baseURL: server.url, locale: lang === 'es' ? 'es-ES' : 'pt-BR', timezoneId: 'Europe/Madrid' });
    test.slow();

    test('the first administrator sets the desk up and a new executor resolves a release in their own time zone', async ({ page, browser }) => {
      const l = L[lang];
      const labels = LABELS[lang];
      const team = lang === 'es' ? 'Equipo de despliegue' : 'Equipe de implantação';
      const category = { es: 'Corrección en caliente', pt: 'Correção a quente' };
      const problem = lang === 'es' ? 'Fallo de arranque del servicio de pagos' : 'Falha de arranque do serviço de pagamentos';

      await login(page, 'jefa', lang, ADMIN_PASSWORD);
      // No zone chosen yet: the browser's is proposed.
      await expect(page.getByText(format(lang, 'time_zone.proposal', { zone: 'Europe/Madrid' }))).toBeVisible();
      await page.getByRole('button', { name: l.useBrowserZone }).click();
      await expect(page.getByRole('button', { name: l.useBrowserZone })).toHaveCount(0);

      // Groups: the flow's managing group (named in flows/release.toml) and the executors.
      await openAdministration(page, lang, 'groups');
      await createGroup(page, lang, 'Gestión de Cambios', [l.create, l.execute]);
      await createGroup(page, lang, team, [l.execute]);
      await expectAccessible(page, 'groups');

      // The administrator joins the managing group; a new executor joins the team.
      await openAdministration(page, lang, 'users');
      const jefa = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'jefa', exact: true }) });
      await jefa.getByRole('button', { name: l.action }).click();
      await page.getByRole('menuitem', { name: l.edit }).click();
      let form = page.getByRole('dialog');
      await form.getByRole('group', { name: l.memberOf }).getByLabel('Gestión de Cambios', { exact: true }).check();
      await form.getByRole('button', { name: l.save }).click();
      await expect(form).toBeHidden();
      await page.getByRole('button', { name: l.newUser }).click();
      form = page.getByRole('dialog');
      await form.getByLabel(l.username, { exact: true }).fill('ejecutor');
      await form.getByLabel(l.fullName, { exact: true }).fill(lang === 'es' ? 'Elena Ejecutora' : 'Elena Executora');
      await form.getByLabel(l.email, { exact: true }).fill('ejecutor@example.com');
      await form.getByLabel(l.zone, { exact: true }).fill('America/Sao_Paulo');
      await form.getByLabel(l.language, { exact: true }).selectOption({ label: l.languageName });
      await form.getByRole('group', { name: l.memberOf }).getByLabel(team, { exact: true }).check();
      await expectAccessible(page, 'new user form');
      await form.getByRole('button', { name: l.createUser }).click();
      await expect(form).toBeHidden();
      const notice = page.getByRole('status').filter({ hasText: format(lang, 'admin.temporary_password', { user: 'ejecutor' }) });
      const temporary = (await notice.locator('.temporary-password').textContent())!.trim();

      // Catalogues: a solution category, and a problem to link.
      await openAdministration(page, lang, 'catalogues');
      await page.getByRole('button', { name: l.newItem }).click();
      form = page.getByRole('dialog');
      await form.getByLabel(l.code, { exact: true }).fill('hotfix');
      await form.getByLabel(l.nameEs, { exact: true }).fill(category.es);
      await form.getByLabel(l.namePt, { exact: true }).fill(category.pt);
      await form.getByRole('button', { name: l.save }).click();
      await expect(form).toBeHidden();
      await page.getByLabel(l.catalogue, { exact: true }).selectOption({ label: l.problems });
      await page.getByRole('button', { name: l.newItem }).click();
      form = page.getByRole('dialog');
      await form.getByLabel(l.code, { exact: true }).fill('PRB-1');
      await form.getByLabel(l.title, { exact: true }).fill(problem);
      await form.getByLabel(l.status, { exact: true }).selectOption({ label: l.knownError });
      await expectAccessible(page, 'new problem form');
      await form.getByRole('button', { name: l.save }).click();
      await expect(form).toBeHidden();
      await expect(page.getByRole('row').filter({ hasText: problem })).toContainText(l.knownError);

      // The administrator registers a release, dates read in Madrid (UTC+1 in January)...
      await page.goto('/releases');
      await hydrated(page);
      await page.getByRole('link', { name: l.register }).click();
      await hydrated(page);
      await page.getByLabel(l.title, { exact: true }).fill('Versión 3.1 del servicio de pagos');
      await page.getByLabel(l.description, { exact: true }).fill('Despliegue con ventana nocturna.');
      await page.getByLabel(l.executorGroup, { exact: true }).selectOption({ label: team });
      await page.getByLabel(l.plannedStart, { exact: true }).fill('2027-01-15T10:00');
      await page.getByLabel(l.plannedEnd, { exact: true }).fill('2027-01-20T18:30');
      await page.getByLabel(l.version, { exact: true }).fill('3.1.0');
      await page.getByRole('button', { name: l.submitRegistration, exact: true }).click();
      // The new release opens.
      await expect(page).toHaveURL(/\/releases\/\d+$/);
      const number = new URL(page.url()).pathname.split('/').pop()!;
      await page.goto('/releases');
      await hydrated(page);
      let row = await rowOf(page, lang, number);
      await expect(row).toContainText('20/01/2027 18:30');
      // ... and authorizes it.
      await openAndCapture(page, lang, number);
      await page.getByRole('button', { name: lang === 'es' ? 'Aprobar' : 'Aprovar', exact: true }).click();
      await chooseOption(page, lang, 'saveAdvance');
      await expect(page).toHaveURL(/\/releases$/);
      await page.getByRole('button', { name: l.logout }).click();
      await expect(page).toHaveURL(/\/login/);

      // The new executor, in São Paulo, must first choose a password of their own.
      const theirs = await browser.newContext({ baseURL: server.url, locale: lang === 'es' ? 'es-ES' : 'pt-BR', timezoneId: 'America/Sao_Paulo' });
      const them = await theirs.newPage();
      await submitLogin(them, 'ejecutor', lang, temporary);
      await expect(them).toHaveURL(/\/account\?temporary=true/);
      await hydrated(them);
      const chosen = 'clave-de-elena-2026';
      await them.getByLabel(l.current, { exact: true }).fill(temporary);
      await them.getByLabel(l.newPassword, { exact: true }).fill(chosen);
      await them.getByLabel(l.repeat, { exact: true }).fill(chosen);
      await them.getByRole('button', { name: l.changePassword }).click();
      await expect(them).toHaveURL(/\/login/);
      await login(them, 'ejecutor', lang, chosen);

      // The deadline in São Paulo's time (UTC-3): four hours before Madrid's.
      row = await rowOf(them, lang, number);
      await expect(row).toContainText('20/01/2027 14:30');
      await expect(row).toContainText(FLOW[lang].execution);
      await openAndCapture(them, lang, number);

      // Resolved with the team's new category, the new problem linked, and advanced.
      const closure = them.getByRole('region', { name: labels.closure });
      await closure.getByRole('button', { name: labels.resolved, exact: true }).click();
      await closure.getByLabel(labels.category).selectOption({ label: category[lang] });
      await closure.getByLabel(labels.usefulInfo).fill('Desplegado y validado en producción.');
      await them.getByRole('tab', { name: l.problemsTab, exact: true }).click();
      const panel = them.getByRole('tabpanel', { name: l.problemsTab, exact: true });
      await panel.getByLabel(l.search).fill('arranque');
      await panel.locator('table.hits tr').filter({ hasText: problem }).getByRole('button', { name: l.link }).click();
      await expect(panel.getByRole('status')).toContainText(l.linked);
      await expectAccessible(them, 'the release being executed');
      await chooseOption(them, lang, 'saveAdvance');
      await expect(them).toHaveURL(/\/releases$/);
      row = await rowOf(them, lang, number);
      await expect(row).toContainText(labels.statusResolved);
      await expect(row).toContainText(labels.review);
      await theirs.close();
    });
  });
}
