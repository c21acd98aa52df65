/**
 * Golden output of the GSTR-2B and GSTR-2A JSON readers: SHA-256 digests of the whole read result
 * (documents, issues, the rest; key-sorted JSON) for the benchmark's files and noisy,
 * pretty-printed ones read in odd-sized chunks (ops/bench/portal-golden.ts). The constants were
 * recorded from the readers before their scanner was made faster (issue 26), so a change in what
 * they return fails here, naming the part that differs.
 *
 * If a change of behaviour is intended, record new digests (`npx tsx ops/bench/portal-golden.ts`)
 * and say in the commit message which rule changed and why.
 */
import { PORTAL_GOLDEN_CASES, portalGoldenDigest } from '../../../ops/bench/portal-golden';

const EXPECTED: Record<string, Record<string, string>> = {
  "2B bench 2k seed 1": {"documents":"d90c8252179402b850443088b9ff5d8eea0f0994fac252b15b380e7246e4530a","issues":"449bd17f0720e534406afe44da2dc85cfa1b06b70ece383927b73c65871037a6","rest":"786a39acb13d4e374c373fe100d8f01444d5d7094f72a89a9bb186c8fa6627b7","all":"48ce5775b10e5c8f91c19e919372c7525017778def09fed20b977b45a13e6568"},
  "2B bench 20k seed 7": {"documents":"281ffb84a9a539c0c0ab91c29d41382540c14fc3b5b7d2c6e55c310ef7771538","issues":"449bd17f0720e534406afe44da2dc85cfa1b06b70ece383927b73c65871037a6","rest":"a3d82bd5a911b9bf43e952d024308dd20f87e69cb8d1285c3d4dc4c78e4de5c2","all":"0b01c6dad4aaed3bd25ccc1165c60cc0285cd357adc8e7224709c491e3f27b19"},
  "2B noisy 3k seed 11": {"documents":"85ac307fb5cefbe5f2ea188882ebba5ca01a617e25f0e025217e9e933370284b","issues":"23380f1bcdf634ed7da28de3c0bc3085c1fca06e2bbfda98deb414faf5de6fc7","rest":"9981adf9c108983224d96cfe535b23a6b0b804acf22ae925d9be4c550bf0828c","all":"1bbdf5c91a33d99783b905eb989673fc857cb56df2d31d826608f37777de9817"},
  "2A bench 2k seed 1": {"documents":"834280160a8cafeaf171b74e5c32dfd2ef41cfa49453e13e075d2b85af4091c5","issues":"7cd4f8a0a4311207b2c9eca45ed277147246e07056fa4b97ea60c4096a807aa3","rest":"5a8bea98548ee63505d6945fc3ac56fbb19e287c69b35a0d7fe5ceecadd71e7d","all":"73b1e50e0fdd098193b4a1c2ad693cab9a8ef24983cfaac52b1515584e27fd67"},
  "2A bench 20k seed 7": {"documents":"5efb47ba8ab041991af773c589e7b362f7acf73876eb527371283988d5cfb695","issues":"7cd4f8a0a4311207b2c9eca45ed277147246e07056fa4b97ea60c4096a807aa3","rest":"66ecb5d883341178a672b7d8bb685b56f76be277ff81f75e41b1628c7a0df8e0","all":"68f16bce0dc42ebac2c140746b181306a868af02632a8a29ebddbc1b05229cb9"},
  "2A noisy 3k seed 12": {"documents":"9c49ed7e1829ba516a399cc5d5815d5d4c343bb2b96de5bf2c1d7921ea0eed22","issues":"5d4f8aa0fbf75075390620e1f76bfd60d9471594a7bdecc3cd43ca92f64741c4","rest":"2fff1b6227865a2287931da61a07fa9c3045d3c73a1330dd47c3414b7b222636","all":"d0d01d110e0498ae58aaaa835ebe80f28a7be9054195e648e13457d7e1a48b56"},
};

describe('2B and 2A reader golden output', () => {
  it('has a recorded digest for every case', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(PORTAL_GOLDEN_CASES.map((c) => c.name).sort());
  });

  it.each(PORTAL_GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    expect(await portalGoldenDigest(c)).toEqual(EXPECTED[name]);
  });
});
