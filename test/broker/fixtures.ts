// One IoT Core roster shared by the broker tests: registry R with devices A and B, and a foreign
// registry R2 with device C, plus an operator account that the topic rules do not restrict.
import type { IotCoreConfig, UserCredential } from '../../tools/broker/index.ts';

export const PASSWORDS = { A: 'pass-A-0123456789', B: 'pass-B-0123456789', C: 'pass-C-0123456789', R: 'pass-R-0123456789', R2: 'pass-R2-012345678' };

export const ROSTER: IotCoreConfig = {
  devices: [
    { id: 'A', registryId: 'R', password: PASSWORDS.A },
    { id: 'B', registryId: 'R', password: PASSWORDS.B },
    { id: 'C', registryId: 'R2', password: PASSWORDS.C },
  ],
  registries: [
    { id: 'R', password: PASSWORDS.R },
    { id: 'R2', password: PASSWORDS.R2 },
  ],
};

export const OPERATOR: UserCredential = { username: 'operator', password: 'operator-secret' };

export const as = (id: keyof typeof PASSWORDS): { username: string; password: string } => ({ username: id, password: PASSWORDS[id] });
