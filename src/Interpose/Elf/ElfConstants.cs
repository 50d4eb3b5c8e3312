namespace Zhuque.Interpose.Elf;

/// <summary>The few elf.h values the launcher decides on.</summary>
public static class ElfConstants
{
    public const byte ElfClass32 = 1;     // ELFCLASS32
    public const byte ElfClass64 = 2;     // ELFCLASS64
    public const byte ElfData2Lsb = 1;    // ELFDATA2LSB

    public const ushort EtRel = 1;        // ET_REL
    public const ushort EtExec = 2;       // ET_EXEC
    public const ushort EtDyn = 3;        // ET_DYN
    public const ushort EtCore = 4;       // ET_CORE

    public const ushort EmX86_64 = 62;    // EM_X86_64

    public const uint PtLoad = 1;         // PT_LOAD
    public const uint PtInterp = 3;       // PT_INTERP

    public const uint PfX = 1;            // PF_X
    public const uint PfW = 2;            // PF_W
    public const uint PfR = 4;            // PF_R


    public static string TypeName(ushort type) => type switch
    {
        EtRel => "REL",
        EtExec => "EXEC",
        EtDyn => "DYN",
        EtCore => "CORE",
        _ => $"0x{type:x}",
    };
}
