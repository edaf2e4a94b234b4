#!/usr/bin/env python3
"""Checks that a binary was built with its jumps kept off 32-byte boundaries
(cmake/SamplepoolBranchAlignment.cmake): in its .text, no direct jump
(conditional or not) crosses a 32-byte boundary or ends on one, which is
what the JCC erratum penalizes. Left out: the C runtime's own start-up
functions, which no project flag compiles, and jumps to another symbol (tail
calls, jumps into a function's .cold part), which leave the function anyway
and which LLVM's assembler does not pad (Clang 14 leaves a tail call through
the PLT where it falls). Without the flag a library of samplepool's size has
hundreds of such jumps; with it, none.

  branch_alignment_test.py BINARY...
"""
import re
import subprocess
import sys

# Linked in from the toolchain's crt*.o, not compiled here.
CRT = {"deregister_tm_clones", "register_tm_clones", "__do_global_dtors_aux", "frame_dummy", "_init", "_fini",
       "_start", "_dl_relocate_static_pie"}
MOST_JUMPS_UNSEEN = 100  # fewer jumps than this: the disassembly was not read right


def misplaced_jumps(path):
    """(direct jumps seen, [(function, address) of those that touch a boundary])."""
    text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-j", ".text", path],
                          capture_output=True, text=True, check=True).stdout
    seen, bad = 0, []
    fn, prev = None, None  # prev: the last instruction (address, mnemonic, operands, target symbol, function)
    for line in text.splitlines():
        head = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if head:
            fn, prev = head.group(1), None
            continue
        insn = re.match(r"^\s+([0-9a-f]+):\s+(\S+)\s*(\S*)", line)
        if not insn:
            continue
        addr = int(insn.group(1), 16)
        if prev is not None:
            start, op, args, target, where = prev
            direct = not args.startswith("*")  # an indirect jump is not one the flag moves
            local = target == where  # within the function, not a tail call or a jump to its .cold part
            if where not in CRT and direct and local and re.fullmatch(r"j[a-z]{1,4}", op) and op != "jrcxz":
                seen += 1
                end = addr  # one past the jump's last byte
                if start // 32 != (end - 1) // 32 or end % 32 == 0:
                    bad.append((where, start))
        to = re.search(r"<([^>+]+)(?:\+0x[0-9a-f]+)?>\s*$", line)
        prev = (addr, insn.group(2), insn.group(3), to.group(1) if to else None, fn)
    return seen, bad


def main():
    failed = False
    for path in sys.argv[1:]:
        seen, bad = misplaced_jumps(path)
        if seen < MOST_JUMPS_UNSEEN:
            print(f"{path}: only {seen} jumps found: is it x86-64 code?")
            failed = True
        elif bad:
            print(f"{path}: {len(bad)} of {seen} jumps cross or end on a 32-byte boundary, e.g.:")
            for where, start in bad[:5]:
                print(f"  {start:#x} in {where}")
            failed = True
        else:
            print(f"{path}: {seen} jumps, none on a 32-byte boundary")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
