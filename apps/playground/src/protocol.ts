/** Messages between the page (main.ts) and the training worker (worker.ts). */
import type { TrainConfig } from '@thermograd/demo/browser';
import type { StepRecord } from './session.js';

/** Where the tensors live: thermograd's WebAssembly backend, its reference, or gpu.js in WebGL. */
export const BACKENDS = ['wasm', 'reference', 'webgl2', 'webgl'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export interface RunSettings {
  config: TrainConfig;
  backend: BackendChoice;
  /** Stop after this many steps (the URL's steps=), or run the schedule's whole length. */
  maxSteps?: number;
}

/** One (B, μ) pair of the temperature-invariance view. */
export interface InvariancePair {
  batch: number;
  mu: number;
}

export type ToWorker =
  | { type: 'init'; run: RunSettings }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'temperature'; value: number }
  | { type: 'predict'; pixels: Float32Array }
  | { type: 'checkpoint' }
  | { type: 'invariance'; backend: BackendChoice; eta0: number; pairs: InvariancePair[] }
  | { type: 'bench'; backend: BackendChoice | 'tfjs-wasm' | 'tfjs-webgl'; seconds: number };

export type FromWorker =
  /** Sent once the worker's modules are loaded: messages sent before it could be lost. */
  | { type: 'loaded' }
  | {
      type: 'ready';
      backend: BackendChoice;
      backendNote: string;
      model: string;
      parameters: number;
      totalSteps: number;
      stepsPerEpoch: number;
      trainExamples: number;
    }
  | { type: 'steps'; records: StepRecord[] }
  | { type: 'running'; running: boolean; done: boolean }
  | { type: 'prediction'; probabilities: number[] }
  | { type: 'checkpoint'; bytes: Uint8Array; name: string }
  | {
      type: 'invariance';
      phase: 'eta0' | 'eta';
      pair: InvariancePair;
      /** Loss averaged over each stretch of examples, against epochs seen. */
      points: { epoch: number; loss: number }[];
      eta: number;
    }
  | { type: 'bench'; backend: string; examplesPerSec: number; note: string }
  | { type: 'error'; message: string };
