#!/bin/bash
# Source this on the GPU machine from the project root (`source .device/on-device.sh`), after
# device/prepare.sh has built .device/ on the development machine and .device/ has been carried over.
# It unpacks Node.js, gpu.js + webgpu and the Vulkan/glvnd libraries carried in .device/, and exports
# what Dawn needs to find the NVIDIA driver. The machine needs no Node.js, npm or network of its own.
D=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$D/bin"
[ -x "$D/bin/node" ] || xz -dc "$D/node.xz" >"$D/bin/node"
chmod +x "$D/bin/node"
export PATH="$D/bin:$PATH"
[ -d "$D/node_modules/gpu.js" ] || tar xJf "$D/gpujs-webgpu-modules.tar.xz" -C "$D"
# The NVIDIA Vulkan driver loads only with the glvnd libraries present, and Dawn finds no adapter
# without libvulkan1: unpacked into / (the device machine is a throwaway container).
for f in "$D"/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
node --version
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
