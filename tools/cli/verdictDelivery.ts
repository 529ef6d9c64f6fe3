// How `result` and `grade` print what each board did with a verdict sent as a `result` command
// (IoT Core projects: no RESULT topic); the words and the exit rule are the harness's (verdicts.ts).
import { deliverySentence, type VerdictDelivery } from '../harness/index.ts';
import type { Output } from './io.ts';

export function deliveryLines(deliveries: VerdictDelivery[], out: Output): string[] {
  const c = out.color;
  return deliveries.map(deliverySentence).map(({ shown, text, aside }) => `${shown ? c.green('✓') : c.red('✖')} ${text}${c.dim(aside)}`);
}
