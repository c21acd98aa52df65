/**
 * Golden output of `reconcile`: SHA-256 digests of everything it returns (results, rejected,
 * summary, suppliers, warnings; key-sorted JSON) for seeded synthetic datasets with extra noise
 * (ops/bench/recon-golden.ts). The constants were recorded from the engine as it stood before
 * the performance work of issue 5 (commit b6daefa), so any change in behaviour fails here; the
 * case across FYs (documents over five FYs and across 31 March, amendments whose original is in
 * the previous FY) was added later, its digests recorded from the engine as it then stood, which
 * computed the documents' FY slots in a column.
 *
 * If a change of behaviour is intended, record new digests (`npx tsx ops/bench/recon-golden.ts`)
 * and say in the commit message which rule changed and why.
 */
import { GOLDEN_CASES, goldenDigest } from '../../../ops/bench/recon-golden';

const EXPECTED: Record<string, Record<string, string>> = {
  "2k seed 1": {"results":"de7d4c55439bec3b883a09b9e7bd364c2e23996a034277b89159bafa9f107188","rejected":"609cbb454877e329a0b12e9c9f5e55564b0d370d5b92e11766d6dd6ed64a55b9","summary":"d80106b66b0921c71fb0f5896959995678ec15d24b8adbdef7c115288218523b","suppliers":"6b29bb5a52417f127e405a366aa9e819ed1cb3c42805f29979fcdd8ae36ab030","warnings":"30707f09cb416b8efbc9b8cfb59ee25312a2ed440545ec277556250d46dcb758","all":"a03b1ffa5a1d48d1bd5aa73406cf8c0908582d2a3c0cf0595c441ee33d1f0f39"},
  "2k seed 2 shuffled": {"results":"b7b25e01eca8351fa7647bc8cb26d3e6f8690437d177af0dc05c303f3fa92412","rejected":"7ced29a33e407e51840982ac0139a59e6e432615c9fd3b09994347a541b0bba6","summary":"f567494ed3258aa77f44f2b632df29613e8665389f2ea025452802fcb1316b6f","suppliers":"373a68eecf7b344e3ab61879031076daf1eacc0271f2e5f7756daf7a86ba01a6","warnings":"0cb66bd9393e96e49836104bdc7a0dce49bcc3e97a7251bc2bdc71a3b497aa72","all":"c82b90eae36b8759695941233d60575d79d2e12be6a67b037d275714ed48c4ab"},
  "2k seed 3 strict": {"results":"23aba7065b7d75fbe962aca6df4e67c818d134996a77129d9ece9bc08ac38d81","rejected":"b4232252f295b12845418e2156a5bd1540161ca13799e35ea511b5b762288747","summary":"b2d5ac52976316e444a1de0cf0cad2319bc1c117a2f9dfe3b36fca2be0d6cce8","suppliers":"595a0e419aecc51637373b363b04345964eecd5364dc4de67d1854401b25e645","warnings":"cfe56356c037cfb5df416642d309a1b50d1f357ac532bcfd25f3f423a3e3e51b","all":"25c6c9a34b313fad922da067f9de8439f8632efda6930468c02f49a7776e5bff"},
  "2k seed 4 small cap": {"results":"4469b7f8f001111093e400984b67cd5b644a40f4d9d4bd56c80b6a9ae196407b","rejected":"8cde7aeb6d312eafa7f87e0ca8fefdd58be7f34a56f5738ba211c4a39ea7da89","summary":"55f1fa6cd123b5b2e10b3839b99fbad191ebe674f2adcc3b560a7f8d6d75f8b4","suppliers":"b10bc79538fec4634f2eae221e4da274d150336a9d5c5800d5cd5dc99d05d8db","warnings":"cab7e224c93fd9722f9ee93aee3b88e6804356b78c7165a174ee721791c75541","all":"66caf6e3d0c82ccaaa8ea43c2abad59466f5de45604bc1112bce605d7e0621ee"},
  "20k seed 5": {"results":"d27737094ba897b6755f1f600830d420769ba828bf65d647b2db024fca6cd1b2","rejected":"39c64444e66b69958f1c1c247c1dd5fa009ea1f551453f84bc1b32bf1dec4843","summary":"d10aa1d821bc883883ddec5457e99f1ab2f8cce9d55e27168e17eb290e1d59d4","suppliers":"6f52140913e28aef8c94257e4a04556f6cb4286007dd3cc0f9ccd53e2b1d0e38","warnings":"0fe32c405b1820d87cace083964c652f00b6ac38e40705025c24cd6edfdbb097","all":"75a9ac49b6526e092fbaec6b72eca0b963a23cace973fda45fe00ecc57781a2b"},
  "20k seed 6 shuffled": {"results":"3683c27ebb7c3358c25f2fbf4c5782527c38877c4b5d9e99c5c7154b08470fa9","rejected":"c786c234d0b866c57f6c48b50cf1a039b78de5d44dfab8d70c75ad91a102e3f6","summary":"ce3bd99e624eabe48182cd966da147569a3a8d24fb0b26b3f124dfce6aadef79","suppliers":"e7cd59c0543b3278864980ed160e42ffcf7e006701e9d2663f94c29ac24d0804","warnings":"2c4b0df8b6f9d5383fbf6b7536f217351fff594b5061318e43b0d1f055a8190e","all":"a5aa703c5a024156f9a290867d4555724401923d0706b4ded5c423b0d2f93ff4"},
  "5k seed 8 across FYs": {"results":"ce6dde484289a3d0fa251023a8af2935765be7915278e76362a9dd2846387bcc","rejected":"bce5f13da3bfce952890dff748e66dbd186de83a317ae819437f477cfdc5af6d","summary":"82e4e567e12f7cfc25ecb7bfc2c0aeaae3a79d1aadca197af38dd3b5b7bb4202","suppliers":"16b8bd1eeb6f3ba56f3542b34dade99db32deab0e08e98265fcdccfbe82aa340","warnings":"ea828b28d02dcb81a11a78114e9d3de07342769a6608e0efa2f981438ef61262","all":"f60c3eb6d506e7a3b47a0ae753d6ca50dcb8255ca75e9b8b4367418c4680425d"},
};

describe('reconcile golden output', () => {
  it('has a recorded digest for every case', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(GOLDEN_CASES.map((c) => c.name).sort());
  });

  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    expect(goldenDigest(c)).toEqual(EXPECTED[name]);
  });
});
