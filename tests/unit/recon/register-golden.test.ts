/**
 * Golden output of the purchase-register reader: SHA-256 digests of the whole read result (rows,
 * issues, mapping, counts; key-sorted JSON) for the benchmark's register CSVs, noisy CSVs and
 * typed cells as the XLSX reader hands them over (ops/bench/register-golden.ts). The constants were
 * recorded from the reader before its row sink was made cheaper (issue 26), so a change in what
 * the reader returns fails here, naming the part (rows, issues or the rest) that differs.
 *
 * If a change of behaviour is intended, record new digests (`npx tsx ops/bench/register-golden.ts`)
 * and say in the commit message which rule changed and why.
 */
import { REGISTER_GOLDEN_CASES, registerGoldenDigest } from '../../../ops/bench/register-golden';

const EXPECTED: Record<string, Record<string, string>> = {
  "bench csv 2k seed 1": {"rows":"0ae4e94c56f424520679ca3a8d467225e22cc5c0796ff24049ad5e2f7586bb04","issues":"4e3afffe46d747c47ece915d7977ed44df8b2fb9a5fc7e5b619083d390d79ebe","rest":"59568783efc37add002aa0f22ee480a3c780d6c2fd6e42914497522255c3a67b","all":"c7c9e14302fe0e8029fbcf6b2a0a2734985e204420a4349e43944a1a2874c808"},
  "bench csv 20k seed 7": {"rows":"6f5fbb11eb7d6bb59f86a8d74115f8844511497db13d6a2625ea27672fcaf2aa","issues":"b6e38f538e2ecbd17918e75db8957a8f37f56f30b5597eab6da20d8af29b1c5c","rest":"59568783efc37add002aa0f22ee480a3c780d6c2fd6e42914497522255c3a67b","all":"36914ee4e615eab3e3afb10801f969a84a5a87d86e6c9f326cf9872e7aa9e44e"},
  "noisy csv 3k seed 11 every issue": {"rows":"2f6008aac2ba53f8be55e28a19f0081e1be287f0355dc0729ab6bb27cb27827b","issues":"c01e78eb4dd94b1d5131ae073871aa41e9afa319c193a4ce3bfc773ef53d340c","rest":"cbb90afdb00323f7ec152859fbdecd6eec05dac86ab4d2f856f4ddcd1cdf0b06","all":"d3a8798a4fdc82caca7c4d756d95fe780bbd79aa936b1cb5d00b0c82382599db"},
  "noisy csv 3k seed 12 few issues": {"rows":"bf269719ee7d6cecaa4d7a6e465bd0675fb62c61e3db98c1717c1383413f8231","issues":"2fc8ec81e87339c2a0662a803859368f0df9c962a35d5ed48ad14d9d4bb8620d","rest":"06256c41b8123a42704103a8d766cb47cd8051e1afadfea1d8c878d5d52f850f","all":"001e0421c7894dc3c05bdc2a11aa0e4510f7ec02483e6cb3a6f0b133186f9ed9"},
  "noisy csv 3k seed 13 semicolons": {"rows":"c1ba46951965dd08d6ca0429c46fdb3dfe6cf3c6eb4786518edb47e28e92ef66","issues":"165161a83b66d8ad3ef7d0b11753d23e26adb1c6e9baac9dcc5a4796687f8e5d","rest":"f47f2df192be364b12f0b3586618df34acc48fb1fae7bac60641bb815c10661a","all":"d75682e342e61ce1c410128df3e4f80ab6b2163582e87cc4c741be4594e10745"},
  "typed cells 3k seed 21 every issue": {"rows":"e7bc06ac4e2447cb68c3c268ba88bc3833cfc86991c19ecd834c4b07223eb360","issues":"96becea09227f8eabad77b665c2c2d5c31570c70cbaf7bd8301c6d8b27353dae","rest":"7bb74ccc974a3a7e03076a271daa4ad5ffdbf42e2667066984aa0fbf7a4eb884","all":"b48517e0885ccc1e9b60accf7c091b65472acb4811541d6f95c48a3381642fe5"},
  "typed cells 3k seed 22": {"rows":"91a472f6ce14cab13ca5ce8d41ce5e3d2a9e594c8883b917fe586e1f8e1cf4fd","issues":"b8da803821891f77eb4da6336d6ab654c371e6f13f7af543e5dcb12d0e4ca8b0","rest":"a0c9eb7f4c1f8bb0b49377590621377c5dd188895a3f2296447e63902c13d02b","all":"337c03dff81215af0357b0e10211d2d5fb68479d135b8a6f6efee179c5a4df6f"},
};

describe('register reader golden output', () => {
  it('has a recorded digest for every case', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(REGISTER_GOLDEN_CASES.map((c) => c.name).sort());
  });

  it.each(REGISTER_GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    expect(await registerGoldenDigest(c)).toEqual(EXPECTED[name]);
  });
});
