namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// Runs a line-number program (DWARF 5 section 6.2.5) over its opcodes and
/// collects the sequences it describes. Only address, file and line are
/// kept; columns, discriminators and flags are read and dropped. Bounded by
/// the program's bytes: every opcode consumes at least one.
/// </summary>
public static class LineProgramRunner
{
    public static List<LineSequence> Run(LineProgramHeader header, DwarfCursor program, string? compilationDirectory)
    {
        var state = new State(header);
        var files = new List<string>(header.FilePaths);
        var sequences = new List<LineSequence>();
        var rows = new List<LineRow>();
        var start = 0UL;

        void Emit()
        {
            var row = new LineRow(state.Address, state.File, state.Line);
            if (rows.Count == 0)
                start = state.Address;
            if (rows.Count > 0 && rows[^1].Address == row.Address)
                rows[^1] = row; // the last row for an address wins
            else if (rows.Count == 0 || row.Address > rows[^1].Address)
                rows.Add(row);
            // A row going backwards breaks the table's order: dropped (malformed, or a linker's leftover).
        }

        void EndSequence()
        {
            if (rows.Count > 0 && state.Address > start)
                sequences.Add(new LineSequence(start, state.Address, [.. rows], files));
            rows.Clear();
            state = new State(header);
        }

        while (!program.AtEnd)
        {
            var opcode = program.U8();
            if (opcode >= header.OpcodeBase)
            {
                var adjusted = opcode - header.OpcodeBase;
                state.Advance((ulong)(adjusted / header.LineRange));
                state.Line += header.LineBase + (adjusted % header.LineRange);
                Emit();
                continue;
            }
            switch (opcode)
            {
                case 0:
                    {
                        var length = program.Uleb128();
                        if (length == 0 || length > (ulong)program.Remaining)
                            throw new DwarfFormatException($"extended opcode of {length} bytes runs past the line program");
                        var body = program.Slice((int)length, "extended opcode");
                        switch (body.U8())
                        {
                            case DwLine.EndSequence:
                                EndSequence();
                                break;
                            case DwLine.SetAddress:
                                state.Address = body.Unsigned(body.Remaining);
                                state.OpIndex = 0;
                                break;
                            case DwLine.DefineFile:
                                {
                                    // Obsolete (gone in DWARF 5, never written by gcc): the name is taken
                                    // relative to the compilation directory, its directory index ignored.
                                    var name = body.CString();
                                    files = [.. files, SourcePaths.Join(compilationDirectory, null, name)];
                                    break;
                                }
                            default:
                                break; // DW_LNE_set_discriminator and vendor opcodes: nothing kept
                        }
                        break;
                    }
                case DwLine.Copy:
                    Emit();
                    break;
                case DwLine.AdvancePc:
                    state.Advance(program.Uleb128());
                    break;
                case DwLine.AdvanceLine:
                    state.Line += (int)Math.Clamp(program.Sleb128(), int.MinValue, int.MaxValue);
                    break;
                case DwLine.SetFile:
                    state.File = program.UlebInt("file number");
                    break;
                case DwLine.ConstAddPc:
                    state.Advance((ulong)((255 - header.OpcodeBase) / header.LineRange));
                    break;
                case DwLine.FixedAdvancePc:
                    state.Address += program.U16();
                    state.OpIndex = 0;
                    break;
                case DwLine.SetColumn or DwLine.SetIsa:
                    program.Uleb128();
                    break;
                case DwLine.NegateStmt or DwLine.SetBasicBlock or DwLine.SetPrologueEnd or DwLine.SetEpilogueBegin:
                    break;
                default:
                    // An opcode this reader does not know: the header says how many LEB128 arguments it has.
                    for (var i = 0; i < header.StandardOpcodeLengths[opcode - 1]; i++)
                        program.Uleb128();
                    break;
            }
        }
        return sequences;
    }

    /// <summary>The state machine's registers that matter here.</summary>
    sealed class State(LineProgramHeader header)
    {
        public ulong Address;
        public ulong OpIndex;
        public int File = 1;
        public int Line = 1;

        /// <summary>An operation advance: address and op_index as VLIW machines need them (op_index stays 0 on x86).</summary>
        public void Advance(ulong operationAdvance)
        {
            var maxOps = header.MaximumOperationsPerInstruction;
            Address += header.MinimumInstructionLength * ((OpIndex + operationAdvance) / maxOps);
            OpIndex = (OpIndex + operationAdvance) % maxOps;
        }
    }
}
