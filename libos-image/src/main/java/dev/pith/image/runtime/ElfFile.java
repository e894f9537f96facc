package dev.pith.image.runtime;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dynamic-linking facts of an ELF64 little-endian file (System V gABI, "Dynamic Section"):
 * the libraries it needs ({@code DT_NEEDED}), its own name ({@code DT_SONAME}), its search paths
 * ({@code DT_RUNPATH}, {@code DT_RPATH}) and its program interpreter ({@code PT_INTERP}).
 *
 * <p>Reads only the ELF header, the program headers and the dynamic segment, through positional
 * reads: a 25 MB libjvm.so costs a few kilobytes of I/O. Section headers are not used, so stripped
 * files read the same. The string table is found through {@code DT_STRTAB}, a virtual address,
 * mapped to a file offset through the {@code PT_LOAD} segment that holds it.
 */
public final class ElfFile {
    // ELF header (ELF64): offsets and values from the gABI, "ELF Header".
    private static final int EI_CLASS = 4, EI_DATA = 5, ELFCLASS64 = 2, ELFDATA2LSB = 1;
    private static final int E_TYPE = 16, E_MACHINE = 18, E_PHOFF = 32, E_PHENTSIZE = 54, E_PHNUM = 56;
    private static final int ELF64_HEADER_LENGTH = 64;
    // Program header (Elf64_Phdr).
    private static final int P_TYPE = 0, P_OFFSET = 8, P_VADDR = 16, P_FILESZ = 32, PHDR_LENGTH = 56;
    private static final int PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
    // Dynamic entries (Elf64_Dyn): d_tag, d_val, 8 bytes each.
    private static final int DYN_LENGTH = 16;
    private static final long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14,
            DT_RPATH = 15, DT_RUNPATH = 29;
    /** {@code e_machine} of x86-64. */
    public static final int EM_X86_64 = 62;
    /** {@code e_type} of an executable, and of a shared object or position-independent executable. */
    public static final int ET_EXEC = 2, ET_DYN = 3;

    private final Path path;
    private final int type;
    private final int machine;
    private final List<String> needed;
    private final String soname;
    private final List<String> runpath;
    private final List<String> rpath;
    private final String interpreter;

    private ElfFile(Path path, int type, int machine, List<String> needed, String soname, List<String> runpath,
                    List<String> rpath, String interpreter) {
        this.path = path;
        this.type = type;
        this.machine = machine;
        this.needed = List.copyOf(needed);
        this.soname = soname;
        this.runpath = List.copyOf(runpath);
        this.rpath = List.copyOf(rpath);
        this.interpreter = interpreter;
    }

    /** Whether {@code path} is a regular file that starts with the ELF magic number. */
    public static boolean isElf(Path path) throws IOException {
        if (!java.nio.file.Files.isRegularFile(path) || java.nio.file.Files.size(path) < 4) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer magic = read(ch, 0, 4);
            return magic.get(0) == 0x7F && magic.get(1) == 'E' && magic.get(2) == 'L' && magic.get(3) == 'F';
        }
    }

    /**
     * Reads the dynamic-linking facts of {@code path}.
     *
     * @throws IOException if it is not an ELF64 little-endian file, or is truncated or malformed
     */
    public static ElfFile read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            ByteBuffer eh = read(ch, 0, ELF64_HEADER_LENGTH);
            if (eh.getInt(0) != 0x464C457F) { // "\177ELF" read little-endian
                throw new IOException(path + ": not an ELF file");
            }
            if (eh.get(EI_CLASS) != ELFCLASS64 || eh.get(EI_DATA) != ELFDATA2LSB) {
                throw new IOException(path + ": not ELF64 little-endian (class " + eh.get(EI_CLASS)
                        + ", data " + eh.get(EI_DATA) + "); Pith images are x86-64");
            }
            int type = Short.toUnsignedInt(eh.getShort(E_TYPE));
            int machine = Short.toUnsignedInt(eh.getShort(E_MACHINE));
            long phoff = eh.getLong(E_PHOFF);
            int phentsize = Short.toUnsignedInt(eh.getShort(E_PHENTSIZE));
            int phnum = Short.toUnsignedInt(eh.getShort(E_PHNUM));
            if (phnum == 0) {
                return new ElfFile(path, type, machine, List.of(), null, List.of(), List.of(), null);
            }
            if (phentsize < PHDR_LENGTH || phnum == 0xFFFF) {
                throw new IOException(path + ": unsupported program header table (e_phentsize "
                        + phentsize + ", e_phnum " + phnum + ")");
            }
            checkRange(path, phoff, (long) phentsize * phnum, fileSize, "program headers");
            ByteBuffer ph = read(ch, phoff, phentsize * phnum);

            List<long[]> loads = new ArrayList<>(); // {p_vaddr, p_offset, p_filesz}
            long dynOffset = -1, dynSize = 0;
            String interpreter = null;
            for (int i = 0; i < phnum; i++) {
                int base = i * phentsize;
                int pType = ph.getInt(base + P_TYPE);
                long pOffset = ph.getLong(base + P_OFFSET);
                long pVaddr = ph.getLong(base + P_VADDR);
                long pFilesz = ph.getLong(base + P_FILESZ);
                switch (pType) {
                    case PT_LOAD -> loads.add(new long[] {pVaddr, pOffset, pFilesz});
                    case PT_DYNAMIC -> {
                        dynOffset = pOffset;
                        dynSize = pFilesz;
                    }
                    case PT_INTERP -> {
                        checkRange(path, pOffset, pFilesz, fileSize, "PT_INTERP");
                        interpreter = cString(read(ch, pOffset, (int) pFilesz), 0);
                    }
                    default -> { }
                }
            }
            if (dynOffset < 0) { // statically linked
                return new ElfFile(path, type, machine, List.of(), null, List.of(), List.of(), interpreter);
            }
            checkRange(path, dynOffset, dynSize, fileSize, "PT_DYNAMIC");
            ByteBuffer dyn = read(ch, dynOffset, (int) dynSize);
            long strtab = -1, strsz = -1;
            List<Long> neededOffsets = new ArrayList<>();
            long sonameOffset = -1, runpathOffset = -1, rpathOffset = -1;
            for (int at = 0; at + DYN_LENGTH <= dynSize; at += DYN_LENGTH) {
                long tag = dyn.getLong(at);
                long val = dyn.getLong(at + 8);
                if (tag == DT_NULL) {
                    break;
                } else if (tag == DT_NEEDED) {
                    neededOffsets.add(val);
                } else if (tag == DT_STRTAB) {
                    strtab = val;
                } else if (tag == DT_STRSZ) {
                    strsz = val;
                } else if (tag == DT_SONAME) {
                    sonameOffset = val;
                } else if (tag == DT_RUNPATH) {
                    runpathOffset = val;
                } else if (tag == DT_RPATH) {
                    rpathOffset = val;
                }
            }
            if (strtab < 0 || strsz < 0) {
                if (neededOffsets.isEmpty() && sonameOffset < 0) {
                    return new ElfFile(path, type, machine, List.of(), null, List.of(), List.of(), interpreter);
                }
                throw new IOException(path + ": dynamic section without DT_STRTAB/DT_STRSZ");
            }
            long strOffset = fileOffset(path, loads, strtab);
            checkRange(path, strOffset, strsz, fileSize, "DT_STRTAB");
            ByteBuffer strings = read(ch, strOffset, (int) strsz);
            List<String> needed = new ArrayList<>();
            for (long off : neededOffsets) {
                needed.add(string(path, strings, off));
            }
            String soname = sonameOffset < 0 ? null : string(path, strings, sonameOffset);
            List<String> runpath = runpathOffset < 0 ? List.of() : List.of(string(path, strings, runpathOffset).split(":"));
            List<String> rpath = rpathOffset < 0 ? List.of() : List.of(string(path, strings, rpathOffset).split(":"));
            return new ElfFile(path, type, machine, needed, soname, runpath, rpath, interpreter);
        }
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** {@code e_type}: {@link #ET_EXEC}, {@link #ET_DYN}, ... */
    public int type() {
        return type;
    }

    /** {@code e_machine}; {@link #EM_X86_64} for x86-64. */
    public int machine() {
        return machine;
    }

    /** The {@code DT_NEEDED} names, in the order of the dynamic section. Empty for static files. */
    public List<String> needed() {
        return needed;
    }

    /** {@code DT_SONAME}, if the file names itself. */
    public Optional<String> soname() {
        return Optional.ofNullable(soname);
    }

    /** {@code DT_RUNPATH}, split at ':' (may hold {@code $ORIGIN}). */
    public List<String> runpath() {
        return runpath;
    }

    /** {@code DT_RPATH}, split at ':' (may hold {@code $ORIGIN}). */
    public List<String> rpath() {
        return rpath;
    }

    /** The program interpreter of {@code PT_INTERP}, such as {@code /lib64/ld-linux-x86-64.so.2}. */
    public Optional<String> interpreter() {
        return Optional.ofNullable(interpreter);
    }

    @Override
    public String toString() {
        return "ElfFile[" + path + ", needed=" + needed + (soname == null ? "" : ", soname=" + soname)
                + (interpreter == null ? "" : ", interpreter=" + interpreter) + "]";
    }

    // ---- internals ----

    private static long fileOffset(Path path, List<long[]> loads, long vaddr) throws IOException {
        for (long[] load : loads) {
            if (vaddr >= load[0] && vaddr < load[0] + load[2]) {
                return load[1] + (vaddr - load[0]);
            }
        }
        throw new IOException(path + ": DT_STRTAB address 0x" + Long.toHexString(vaddr) + " lies in no PT_LOAD segment");
    }

    private static String string(Path path, ByteBuffer strings, long offset) throws IOException {
        if (offset < 0 || offset >= strings.limit()) {
            throw new IOException(path + ": string offset " + offset + " beyond DT_STRSZ " + strings.limit());
        }
        return cString(strings, (int) offset);
    }

    private static String cString(ByteBuffer buffer, int offset) {
        int end = offset;
        while (end < buffer.limit() && buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - offset];
        buffer.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void checkRange(Path path, long offset, long length, long fileSize, String what) throws IOException {
        if (offset < 0 || length < 0 || length > Integer.MAX_VALUE || offset + length > fileSize) {
            throw new IOException(path + ": " + what + " at offset " + offset + ", length " + length
                    + " lies outside the file (" + fileSize + " bytes)");
        }
    }

    private static ByteBuffer read(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (ch.read(buffer, offset + buffer.position()) < 0) {
                throw new EOFException("ELF file ends before offset " + (offset + length));
            }
        }
        return buffer.flip();
    }
}
