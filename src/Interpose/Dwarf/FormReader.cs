namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// Reads (or steps over) one attribute value of a given form, so that the
/// line-table header and the first entry of a compilation unit can be read
/// whatever forms the compiler chose. Forms that point into sections these
/// readers do not load (string offsets tables, supplementary files) give a
/// value without text.
/// </summary>
public static class FormReader
{
    const int MaxIndirections = 4;

    public static FormValue Read(DwarfCursor c, ulong form, FormEncoding encoding, DwarfStrings strings, long implicitConst = 0)
    {
        for (var i = 0; i < MaxIndirections; i++)
        {
            if (form != DwForm.Indirect)
                return ReadDirect(c, form, encoding, strings, implicitConst);
            form = c.Uleb128();
        }
        throw new DwarfFormatException($"DW_FORM_indirect nested more than {MaxIndirections} times");
    }

    static FormValue ReadDirect(DwarfCursor c, ulong form, FormEncoding encoding, DwarfStrings strings, long implicitConst)
    {
        switch (form)
        {
            case DwForm.String:
                return new FormValue(0, c.CString());
            case DwForm.Strp:
                {
                    var offset = c.Offset(encoding.Dwarf64);
                    return new FormValue(offset, strings.Str(offset));
                }
            case DwForm.LineStrp:
                {
                    var offset = c.Offset(encoding.Dwarf64);
                    return new FormValue(offset, strings.LineStr(offset));
                }
            case DwForm.Data1 or DwForm.Ref1 or DwForm.Flag or DwForm.Strx1 or DwForm.Addrx1:
                return new FormValue(c.U8(), null);
            case DwForm.Data2 or DwForm.Ref2 or DwForm.Strx2 or DwForm.Addrx2:
                return new FormValue(c.U16(), null);
            case DwForm.Strx3 or DwForm.Addrx3:
                return new FormValue(c.U16() | ((ulong)c.U8() << 16), null);
            case DwForm.Data4 or DwForm.Ref4 or DwForm.RefSup4 or DwForm.Strx4 or DwForm.Addrx4:
                return new FormValue(c.U32(), null);
            case DwForm.Data8 or DwForm.Ref8 or DwForm.RefSig8 or DwForm.RefSup8:
                return new FormValue(c.U64(), null);
            case DwForm.Data16:
                c.Skip(16);
                return new FormValue(0, null);
            case DwForm.Udata or DwForm.RefUdata or DwForm.Strx or DwForm.Addrx or DwForm.Loclistx
                or DwForm.Rnglistx or DwForm.GnuAddrIndex or DwForm.GnuStrIndex:
                return new FormValue(c.Uleb128(), null);
            case DwForm.Sdata:
                return new FormValue((ulong)c.Sleb128(), null);
            case DwForm.Addr:
                return new FormValue(c.Unsigned(encoding.AddressSize), null);
            case DwForm.RefAddr:
                return new FormValue(encoding.Version <= 2 ? c.Unsigned(encoding.AddressSize) : c.Offset(encoding.Dwarf64), null);
            case DwForm.SecOffset or DwForm.StrpSup or DwForm.GnuRefAlt or DwForm.GnuStrpAlt:
                return new FormValue(c.Offset(encoding.Dwarf64), null);
            case DwForm.FlagPresent:
                return new FormValue(1, null);
            case DwForm.ImplicitConst:
                return new FormValue((ulong)implicitConst, null);
            case DwForm.Block1:
                c.Skip(c.U8());
                return new FormValue(0, null);
            case DwForm.Block2:
                c.Skip(c.U16());
                return new FormValue(0, null);
            case DwForm.Block4:
                c.Skip(c.U32());
                return new FormValue(0, null);
            case DwForm.Block or DwForm.Exprloc:
                c.Skip(c.Uleb128());
                return new FormValue(0, null);
            default:
                throw new DwarfFormatException($"unknown attribute form 0x{form:x}");
        }
    }
}
