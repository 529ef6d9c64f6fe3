import { loadProject } from '../config/index.ts';
import { iotCorePlan } from '../iotCore/plan.ts';
import { defineCommand } from './command.ts';

export const iotCoreCommand = defineCommand<{ action: string }>({
  command: 'iot-core <action>',
  describe: 'Yandex IoT Core: print (never run) the yc commands that create the registry and devices with their certificates',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['plan'], describe: 'plan: the yc commands for this project' })
      .example('$0 iot-core plan', 'yc iot registry create …, yc iot device create … --certificate-file …, then where the ids go')
      .example('$0 iot-core plan > setup.sh', 'Review it, then run it with the yc CLI logged in to your folder'),
  async run(args, { io, out }) {
    const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    const steps = iotCorePlan(project);
    if (out.json) return out.document({ ok: true, steps });
    out.line('#!/bin/sh');
    out.line(`# Yandex IoT Core for ${project.project.project ?? project.file}: printed by \`mpy-iot iot-core plan\`, not run. Review, then run with yc.`);
    out.line('set -e');
    for (const step of steps) {
      out.line(`\n# ${step.comment}`);
      for (const command of step.commands) out.line(command);
    }
  },
});
