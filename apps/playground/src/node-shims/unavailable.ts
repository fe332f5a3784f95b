/**
 * The other Node built-ins the libraries import (node:module, node:url, node:zlib,
 * node:worker_threads, node:child_process, node:os), for the page: the code paths that call them
 * run only in Node (gpu.js's WebGPU bridge, its Vulkan loader probe, gzip of a .gz IDX file, which
 * the page never asks for), so each name throws, saying so, if it is ever called.
 */
function nodeOnly(name: string): never {
  throw new Error(`${name} is a Node built-in; the browser playground does not provide it`);
}

export const createRequire = (): never => nodeOnly('createRequire');
export const pathToFileURL = (): never => nodeOnly('pathToFileURL');
export const fileURLToPath = (): never => nodeOnly('fileURLToPath');
export const gunzipSync = (): never => nodeOnly('gunzipSync');
export const execFileSync = (): never => nodeOnly('execFileSync');
export const receiveMessageOnPort = (): never => nodeOnly('receiveMessageOnPort');
export class Worker {
  constructor() {
    nodeOnly('worker_threads.Worker');
  }
}
export class MessageChannel {
  constructor() {
    nodeOnly('worker_threads.MessageChannel');
  }
}
// A library that sizes a Node thread pool from this gets one thread: no Node workers in a page.
export const availableParallelism = (): number => 1;
