import { defineConfig } from 'tsup';
import { lakechainBuild } from '../../tooling/tsup.preset';

export default defineConfig(lakechainBuild(import.meta.dirname));
