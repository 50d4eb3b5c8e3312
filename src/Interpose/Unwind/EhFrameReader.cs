using Zhuque.Interpose.Dwarf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// Reads the entries of an .eh_frame section (Linux Standard Base 5.0
/// section 10.6): CIEs with their augmentation ("zR", "zPLR", "S"), FDEs
/// with pc-relative or absolute addresses. An entry that cannot be read is
/// skipped (its length says where the next one starts); a length that
/// cannot be trusted ends the reading, with what was read so far.
/// </summary>
public static class EhFrameReader
{
    public static IReadOnlyList<FrameDescriptionEntry> Read(byte[] ehFrame, ulong sectionAddress)
    {
        var cies = new Dictionary<int, CommonInformationEntry?>();
        var fdes = new List<FrameDescriptionEntry>();
        var c = new DwarfCursor(ehFrame, ".eh_frame");
        while (c.Remaining >= 4)
        {
            int length;
            try
            {
                (length, _) = c.InitialLength();
            }
            catch (DwarfFormatException)
            {
                break;
            }
            if (length == 0)
                break; // the terminator
            var start = c.Position;
            var entry = c.Slice(length, ".eh_frame entry");
            try
            {
                var idPosition = start;
                var id = entry.U32();
                if (id == 0)
                    continue; // a CIE: read when an FDE names it
                if (id > (uint)idPosition)
                    throw new DwarfFormatException($"FDE at {start} points before the section");
                var cieOffset = idPosition - (int)id;
                if (Cie(ehFrame, cieOffset, sectionAddress, cies) is { } cie)
                    fdes.Add(ReadFde(entry, start, cie, sectionAddress));
            }
            catch (DwarfFormatException)
            {
                // This function has no unwind rules; the unwinder falls back for it.
            }
        }
        return fdes;
    }

    static CommonInformationEntry? Cie(byte[] ehFrame, int offset, ulong sectionAddress, Dictionary<int, CommonInformationEntry?> cies)
    {
        if (cies.TryGetValue(offset, out var known))
            return known;
        CommonInformationEntry? cie = null;
        try
        {
            var c = new DwarfCursor(ehFrame, ".eh_frame");
            c.Seek(offset);
            var (length, _) = c.InitialLength();
            var start = c.Position;
            cie = ReadCie(c.Slice(length, "CIE"), start, sectionAddress);
        }
        finally
        {
            cies[offset] = cie; // a bad CIE is read once, and its FDEs are all dropped
        }
        return cie;
    }

    /// <summary>The entry after its length; start is its offset in the section (for pc-relative pointers).</summary>
    static CommonInformationEntry ReadCie(DwarfCursor c, int start, ulong sectionAddress)
    {
        if (c.U32() != 0)
            throw new DwarfFormatException($"entry at {start} named as a CIE is an FDE");
        var version = c.U8();
        if (version is not (1 or 3))
            throw new DwarfFormatException($"CIE version {version}");
        var augmentation = c.CString();
        if (augmentation.Contains("eh", StringComparison.Ordinal))
            c.U64(); // the eh_ptr of old gcc
        var codeAlignment = c.Uleb128();
        var dataAlignment = c.Sleb128();
        var returnRegister = version == 1 ? c.U8() : c.UlebInt("return address register");
        byte pointerEncoding = 0;
        var signalFrame = false;
        if (augmentation.StartsWith('z'))
        {
            var data = c.Slice(c.UlebInt("augmentation length"), "CIE augmentation");
            var dataStart = start + c.Position - data.Length;
            foreach (var letter in augmentation.AsSpan(1))
            {
                switch (letter)
                {
                    case 'R':
                        pointerEncoding = data.U8();
                        break;
                    case 'L':
                        data.U8(); // LSDA encoding: exception tables are not needed to unwind
                        break;
                    case 'P':
                        {
                            var encoding = data.U8();
                            EhPointer.Read(data, encoding, sectionAddress + (ulong)(dataStart + data.Position), allowIndirect: true);
                            break;
                        }
                    case 'S':
                        signalFrame = true;
                        break;
                    case 'B' or 'G':
                        break; // AArch64 and shadow-stack markers: no data
                    default:
                        throw new DwarfFormatException($"CIE augmentation \"{augmentation}\"");
                }
            }
        }
        else if (augmentation.Length > 0 && augmentation != "eh")
            throw new DwarfFormatException($"CIE augmentation \"{augmentation}\" without z");
        var instructions = c.Memory(c.Remaining);
        return new CommonInformationEntry(codeAlignment, dataAlignment, returnRegister, pointerEncoding, signalFrame,
            augmentation.StartsWith('z'), instructions);
    }

    static FrameDescriptionEntry ReadFde(DwarfCursor c, int start, CommonInformationEntry cie, ulong sectionAddress)
    {
        var pcBegin = EhPointer.Read(c, cie.PointerEncoding, sectionAddress + (ulong)(start + c.Position));
        var pcRange = EhPointer.ReadLength(c, cie.PointerEncoding);
        if (pcRange > ulong.MaxValue - pcBegin)
            throw new DwarfFormatException($"FDE at {start}: range 0x{pcBegin:x}+0x{pcRange:x} wraps");
        if (cie.HasAugmentationData)
            c.Skip(c.Uleb128());
        var instructionsAddress = sectionAddress + (ulong)(start + c.Position);
        return new FrameDescriptionEntry(pcBegin, pcBegin + pcRange, cie, c.Memory(c.Remaining), instructionsAddress);
    }
}
