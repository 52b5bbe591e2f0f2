/**
 * `tczbuild test [NAME…] --box FILE`: boot a TinyCore box in QEMU, install each extension from
 * the mirror with the real `tce-load -wi` and run its recipe's `test:` steps; one line per step,
 * exit 0 only when every step passed. The work is src/box/; this class parses options, prints.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, UsageError } from 'clipanion';
import { targetName } from '../../config/settings.js';
import type { Target } from '../../recipe/model.js';
import { ExitCode } from '../exit-codes.js';
import { ProjectCommand, type SharedFlag } from '../project-command.js';

export class TestCommand extends ProjectCommand {
  static override paths = [['test']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'install extensions on a booted TinyCore box (QEMU) and run their test: steps',
    details: 'Serves --out on 127.0.0.1 (the guest reaches it as 10.0.2.2), boots the box with a generated /opt/bootlocal.sh that runs `tce-load -wi NAME` as tc and each recipe\'s test: steps as root, and compares the owner and mode of the base system\'s directories before and after each install. The console log is kept and its path printed. The mirror directory tested is <tc-version>.x/<arch>/tcz from the box\'s target:; --target/--tc-version/--arch, when given, must name that target.',
    examples: [
      ['On the stand-in box', 'scripts/make-standin-box.sh /tmp/box && $0 test containerd --box /tmp/box/box.yaml --upstream http://HOST/'],
      ['On TinyCore 15 (after `tczbuild pin` filled the box\'s hashes)', '$0 test containerd --box boxes/tinycore-15.x-x86_64.yaml'],
    ],
  });

  names = Option.Rest();
  // Not `required`: clipanion would answer a missing --box with "Command not found".
  box = Option.String('--box', { description: 'box definition (boxes/*.yaml, or DIR/box.yaml from scripts/make-standin-box.sh)' });
  override upstream = Option.String('--upstream', { description: 'TinyCore mirror base URL the served mirror falls through to (iptables.tcz, …) (default: upstream: in tczbuild.yaml)' });
  bound = Option.String('--bound', '600', { description: 'seconds the whole boot may take before the guest is killed' });
  logDir = Option.String('--log-dir', { description: 'where console.log goes (default: log-dir: in tczbuild.yaml, else a new directory under the system temp dir)' });
  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream for box files (repeatable)' });
  offline = Option.Boolean('--offline', false, { description: 'use only the cache and local --source-mirror directories' });
  env = Option.Array('--env', [], { description: 'NAME=VALUE set for every test: step on the box (repeatable), e.g. FAASD_FUNCTION_IMAGE=REF' });

  /** Shared flags this command refuses (refusedFlags): parsed so they are refused with a reason, kept out of --help. */
  override overlays = Option.String('--overlays', { hidden: true });

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return { overlays: 'it installs the extensions already built into --out; overlays go into them at `tczbuild all`' };
  }

  /**
   * The box's target: decides the mirror directory tested. A target given on the command line
   * (or the only one in tczbuild.yaml) must be that one, or the run would test something else.
   */
  private refuseOtherTarget(box: Target): void {
    const s = this.settings().targets;
    if (s.origin === 'default') return;
    const fromFlags = this.tcVersion !== undefined || this.arch !== undefined || this.targetFlags.length > 0;
    if (s.value.some((t) => t.tcVersion === box.tcVersion && t.arch === box.arch)) return;
    const asked = s.value.map(targetName).join(', ');
    const message = `the box ${this.box} is ${targetName(box)}, not ${asked} (${s.origin}): test boots that box and tests its target's mirror directory`;
    if (fromFlags) throw new UsageError(`${message}; pass a box for ${asked}, or leave the target flags out`);
    this.reporter().emit({ type: 'info', message: `note: ${message}` });
  }

  async execute(): Promise<number> {
    return this.run(async () => {
      if (this.box === undefined) {
        throw new UsageError('tczbuild test needs --box FILE: a box definition such as boxes/tinycore-15.x-x86_64.yaml, or DIR/box.yaml written by scripts/make-standin-box.sh DIR');
      }
      const box = this.box;
      const boundMs = this.positiveInteger('--bound', this.bound) * 1000;
      const { loadBox, resolveBootFiles } = await import('../../box/load.js');
      const { selectExtensions } = await import('../../box/select.js');
      const { planBoxSteps } = await import('../../box/plan.js');
      const { runBox } = await import('../../box/run.js');
      const { stepLine, stepDiagnostics, unfinishedDiagnostic } = await import('../../box/report.js');
      const { SourceCache } = await import('../../builder/fetch/source-cache.js');
      const { createUpstreamCache } = await import('../../mirror/upstream-cache.js');
      const reporter = this.reporter();
      const loaded = await loadBox(this.resolvePath(box), this.context.cwd);
      const target = { tcVersion: loaded.box.target['tc-version'], arch: loaded.box.target.arch };
      this.refuseOtherTarget(target);
      const extensions = await selectExtensions({ names: this.names, recipesDir: this.recipesDir(), mirrorRoot: this.outDir(), target, displayBase: this.context.cwd });
      const boot = await resolveBootFiles(loaded, { cache: new SourceCache(this.cacheDir()), mirrors: this.sourceMirrorList(), offline: this.offline, reporter, env: this.context.env, network: this.network() });
      const { preflight } = await import('../../box/preflight.js');
      // the box's glibc may be its host's (a stand-in box): the target's floor is enforced here
      const checked = await preflight(this.outDir(), target, planBoxSteps(extensions, 60, this.stepEnv()), this.context.env, loaded.box.glibc);
      const steps = checked.steps;
      reporter.emit({ type: 'info', message: checked.floor === 'unknown' ? `glibc floor not checked: the glibc of TinyCore ${target.tcVersion}.x is unknown (docs/tinycore-releases.md)` : `installed ELF files checked against glibc ${checked.floor} and the box's loader`, data: { box: 'preflight', glibc: checked.floor } });
      // --log-dir, else log-dir: in tczbuild.yaml, else a fresh temporary directory
      const logDir = this.settings().logDir;
      const workDir = logDir.value ?? (await mkdtemp(join(tmpdir(), 'tczbuild-test-')));
      if (logDir.value) await mkdir(logDir.value, { recursive: true });
      const upstreamUrl = this.settings().upstream.value;
      // under the project's cache (--cache, cache: in tczbuild.yaml), as `serve` keeps it
      const upstream = upstreamUrl ? createUpstreamCache({ upstream: upstreamUrl, cacheDir: join(this.cacheDir(), 'upstream'), localRoot: this.outDir(), origin: { network: this.network() }, log: (message) => reporter.emit({ type: 'info', message }) }) : undefined;
      let failed = false;
      // on SIGINT/SIGTERM QEMU is stopped first; give this run the moment it needs to say so
      const { onInterrupt } = await import('../../util/interrupt.js');
      let reported: () => void = () => undefined;
      const said = new Promise<void>((res) => (reported = res));
      const unguard = onInterrupt(() => Promise.race([said, new Promise<void>((res) => setTimeout(res, 5000).unref())]));
      try {
        const result = await runBox({
          loaded, boot, steps, mirrorRoot: this.outDir(), ...(upstream ? { upstream } : {}), workDir, boundMs, reporter, env: this.context.env,
          onStepEnd: (step, state) => {
            reporter.emit({ type: 'info', message: stepLine(step, state), data: { box: 'step', id: step.id, title: step.title, status: state.status, ms: (state.endedMs ?? 0) - (state.startedMs ?? 0), reason: state.reason, findings: state.findings } });
            for (const d of stepDiagnostics(step, state, join(workDir, 'console.log'))) {
              failed = true;
              reporter.emit({ type: 'diagnostic', diagnostic: d });
            }
          },
        });
        if (result.end !== 'done') {
          failed = true;
          reporter.emit({ type: 'diagnostic', diagnostic: unfinishedDiagnostic(steps, result.tracker, result.end, boundMs, result.consoleLog, result.exitDetail) });
        }
        const ok = !failed && result.tracker.passed();
        const passed = [...result.tracker.steps.values()].filter((s) => s.status === 'pass').length;
        const { signalExitCode } = await import('../../util/interrupt.js');
        // the exit code this process ends with: a signal's (130/143) when interrupted
        const exitCode = result.interrupted ? signalExitCode(result.interrupted) : ok ? ExitCode.ok : ExitCode.failed;
        const summary = { box: 'summary', ok, passed, steps: steps.length, ms: result.ms, accel: result.accel, consoleLog: result.consoleLog, exitCode, ...(result.interrupted ? { interrupted: result.interrupted } : {}) };
        reporter.emit({ type: 'info', message: `${result.interrupted ? `interrupted by ${result.interrupted}` : ok ? 'passed' : 'FAILED'}: ${passed} of ${steps.length} steps passed in ${(result.ms / 1000).toFixed(1)}s (${result.accel}); console log: ${result.consoleLog}`, data: summary });
        reporter.emit({ type: 'result', ...summary });
        reported();
        return exitCode;
      } finally {
        unguard();
      }
    });
  }

  protected override logDirFlag(): string | undefined {
    return this.logDir;
  }

  /** --env NAME=VALUE pairs; a malformed one is a usage error naming it. */
  private stepEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const pair of this.env) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
      if (!m || m[1] === 'TCZBUILD_IMAGES') throw new UsageError(`--env ${pair}: expected NAME=VALUE with NAME made of letters, digits and _ (TCZBUILD_IMAGES is set by tczbuild)`);
      env[m[1]!] = m[2]!;
    }
    return env;
  }
}
