#!/bin/bash
# usage: boot-pith-guest.sh IMAGE_DIR HOST_PORT MEM_MB SERIAL_LOG
# Boots an image the linker wrote (IMAGE_DIR/boot/{vmlinuz,initrd.cpio.lz4,cmdline}) exactly as the
# baseline kit boots its Linux guest (../shared/baseline/boot-linux-guest.sh): TCG, 1 vCPU, machine pc,
# virtio-net-pci with user networking forwarding HOST_PORT to the guest's 8080.
dir=$1
exec qemu-system-x86_64 -nodefaults -machine pc -m "$3" -kernel "$dir/boot/vmlinuz" \
  -initrd "$(ls "$dir"/boot/initrd.cpio*)" -append "$(cat "$dir/boot/cmdline")" \
  -display none -serial file:"$4" -no-reboot \
  -device virtio-net-pci,netdev=n0 -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$2-:8080
