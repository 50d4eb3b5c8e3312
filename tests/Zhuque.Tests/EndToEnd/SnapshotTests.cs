using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// `zhuque snapshot`: a running program copied into an image of its own at
/// one instant while it goes on. Each snapshot resumes to what the
/// uninterrupted run computes, and the run itself is not disturbed.
/// </summary>
public sealed class SnapshotTests(CPrograms programs, MuslGccPrograms dynamicPrograms)
    : IClassFixture<CPrograms>, IClassFixture<MuslGccPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    Process Start(string image, string program, params string[] args)
    {
        var info = new ProcessStartInfo(Repo.Zhuque) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "run", "--image", image, "--", program }.Concat(args))
            info.ArgumentList.Add(a);
        info.Environment["XDG_STATE_HOME"] = _tmp["state"];
        var p = Process.Start(info)!;
        p.StandardInput.Close();
        return p;
    }

    ProcResult Snapshot(string image, string to) => ZhuqueCli.Run(_tmp["state"], "snapshot", image, "--to", to);

    /// <summary>
    /// Up to count tracked snapshots of the running program, each after a
    /// random wait of minMs-maxMs, into NAME0, NAME1, ...; then waits for
    /// the run to end (killed if the test fails first). A snapshot refused
    /// because the program ended meanwhile stops the series.
    /// </summary>
    List<string> TrackedSnapshotsToTheEnd(Process run, string image, string name, int count, int minMs, int maxMs)
    {
        var random = new Random();
        var snapshots = new List<string>();
        try
        {
            for (var i = 0; i < count && !run.HasExited; i++)
            {
                Thread.Sleep(random.Next(minMs, maxMs));
                var to = _tmp[$"{name}{i}"];
                var r = Snapshot(image, to);
                if (r.ExitCode is 119 or 123 && snapshots.Count > 0 && run.WaitForExit(0))
                    break; // it ended meanwhile
                Assert.True(r.ExitCode == 0, $"snapshot {i}: {r}");
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(r.Stdout, @"MiB in \d+ passes while it ran"), $"snapshot {i} was not tracked: {r}");
                snapshots.Add(to);
            }
            Assert.True(run.WaitForExit(300_000), "the run did not end");
        }
        finally
        {
            if (!run.HasExited)
                run.Kill(entireProcessTree: true);
        }
        return snapshots;
    }

    /// <summary>
    /// The program (it prints "ready", then want) run to its end with
    /// tracked snapshots (TrackedSnapshotsToTheEnd into NAME0, ...): the run
    /// prints want and ends 0, and so does every snapshot resumed; each one
    /// that did not is named.
    /// </summary>
    async Task SnapshotsResumeTo(string want, string program, string[] args, string name, int count, int minMs, int maxMs)
    {
        var image = _tmp[name];
        List<string> snapshots;
        using (var run = Start(image, programs.Zhuque(program), args))
        {
            Assert.Equal("ready", await run.StandardOutput.ReadLineAsync());
            var stdout = run.StandardOutput.ReadToEndAsync();
            snapshots = TrackedSnapshotsToTheEnd(run, image, name, count, minMs, maxMs);
            Assert.Equal(want, (await stdout).Trim());
            Assert.Equal(0, run.ExitCode);
        }
        Assert.NotEmpty(snapshots);
        var failed = snapshots.Select(s => (s, r: ZhuqueCli.Run(_tmp["state"], "resume", s)))
            .Where(x => x.r.ExitCode != 0 || x.r.Stdout.Trim() != want).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {snapshots.Count} snapshots: {string.Join("; ", failed.Select(x => $"{x.s}: {x.r}"))}");
    }

    /// <summary>The torture program (eight threads, heap, maps, FP registers) snapshotted at ten random moments.</summary>
    [Fact]
    public async Task TenSnapshotsOfARunningProgramEachResumeToTheUninterruptedDigest()
    {
        const string rounds = "400";
        var want = Proc.Run(programs.Native("torture"), [rounds]);
        Assert.True(want.ExitCode == 0, want.ToString());
        var image = _tmp["img"];
        var random = new Random();
        var snapshots = new List<string>();
        using (var run = Start(image, programs.Zhuque("torture"), rounds))
        {
            var stdout = run.StandardOutput.ReadToEndAsync();
            var stderr = run.StandardError.ReadToEndAsync();
            try
            {
                // The first snapshot waits until the program runs (a snapshot of an image not yet running is refused).
                for (var i = 0; snapshots.Count < 10; i++)
                {
                    Thread.Sleep(random.Next(10, 120));
                    var to = _tmp[$"snap{snapshots.Count}"];
                    var r = Snapshot(image, to);
                    if (r.ExitCode == 123 && snapshots.Count == 0 && i < 100 && r.Stderr.Contains("state none", StringComparison.Ordinal))
                        continue;
                    Assert.True(r.ExitCode == 0, $"snapshot {snapshots.Count}: {r}");
                    Assert.Matches(@"^snapshot \S+ of \S+: paused \d+\.\d ms", r.Stdout);
                    snapshots.Add(to);
                }
                Assert.True(run.WaitForExit(120_000), "the run did not end");
            }
            finally
            {
                if (!run.HasExited)
                    run.Kill(entireProcessTree: true);
            }
            Assert.True(run.ExitCode == 0, $"the snapshotted run ended with {run.ExitCode}: {await stderr}");
            Assert.Equal(want.Stdout, await stdout);
        }
        foreach (var s in snapshots)
        {
            var inspect = ZhuqueCli.Run(_tmp["state"], "inspect", s);
            Assert.Matches(@"\n  \S+ snapshot +pid \d+ \(of " + System.Text.RegularExpressions.Regex.Escape(image) + ": paused", inspect.Stdout);
            var r = ZhuqueCli.Run(_tmp["state"], "resume", s);
            Assert.True(r.ExitCode == 0, $"{s}: {r}");
            Assert.Equal(want.Stdout, r.Stdout);
        }
    }

    /// <summary>
    /// A program that rewrites every page of its memory again and again
    /// while snapshots copy it: most of each copy is made while it runs, so
    /// each snapshot holds pages the program wrote after they were first
    /// copied, and pages it wrote after the capture instant. Each resumed
    /// snapshot still reaches the uninterrupted run's digest: a page taken
    /// as it was after the capture would get its change twice.
    /// </summary>
    [Fact]
    public async Task SnapshotsOfAProgramRewritingItsMemoryHoldEachPageAsAtTheCapture()
    {
        string[] args = ["32", "30000"];
        var want = Proc.Run(programs.Native("snapshot_writer"), args);
        Assert.True(want.ExitCode == 0, want.ToString());
        await SnapshotsResumeTo(want.Stdout.Split('\n')[1], "snapshot_writer", args, "writer", 3, 10, 200);
    }

    /// <summary>
    /// A program that gives memory back (MADV_DONTNEED, munmap and mmap
    /// again) while snapshots copy it, and fills it again, chunk by chunk:
    /// a discard is a hole punched in the image file, which no write
    /// tracker sees. Each resumed snapshot checks every chunk holds what its
    /// last visit left: zero where a discard came after the copy took the
    /// chunk, though the copy had its old data.
    /// </summary>
    [Fact]
    public Task SnapshotsOfAProgramGivingMemoryBackHoldItsHolesAsAtTheCapture() =>
        SnapshotsResumeTo("PASS 12000", "snapshot_punch", ["64", "12000"], "punch", 8, 30, 250);

    /// <summary>
    /// A program that fills a chunk, unmaps it and maps it again, over and
    /// over: the runtime zeroes the unmapped pages by stores and keeps their
    /// space for the next mmap, so about half the snapshots fall while the
    /// chunk is in no region of the table. Each resumed snapshot finds the
    /// new mapping zero. Red (about half the snapshots) when the pause
    /// copies only what the table has: CI's red run of session 7.
    /// </summary>
    [Fact]
    public Task SnapshotsTakenWhileMemoryIsUnmappedResumeWithItZero() =>
        SnapshotsResumeTo("PASS 3000", "snapshot_unmap", ["3000"], "unmap", 8, 20, 100);

    /// <summary>
    /// `zhuque snapshot` killed while it copies (the first hold has let the
    /// program go, the region files are being copied): the program runs on
    /// to its normal end with its normal output, the half-made directory is
    /// no image (resume refuses it in one line), and a later snapshot works.
    /// </summary>
    [Fact]
    public async Task ASnapshotKilledWhileItCopiesLeavesTheProgramRunningAndNoImage()
    {
        string[] args = ["512", "12000"];
        var image = _tmp["killed"];
        var half = _tmp["killed-half"];
        var later = _tmp["killed-later"];
        using (var run = Start(image, programs.Zhuque("snapshot_punch"), args))
        {
            Assert.Equal("ready", await run.StandardOutput.ReadLineAsync());
            var stdout = run.StandardOutput.ReadToEndAsync();
            try
            {
                var info = new ProcessStartInfo(Repo.Zhuque) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in new[] { "snapshot", image, "--to", half })
                    info.ArgumentList.Add(a);
                info.Environment["XDG_STATE_HOME"] = _tmp["state"];
                using var snapshot = Process.Start(info)!;
                // regions/ is made as the copy begins, after the first hold.
                while (!Directory.Exists(Path.Combine(half, "regions")))
                {
                    if (snapshot.HasExited)
                        Assert.Fail($"the snapshot ended before its copy began: {snapshot.StandardError.ReadToEnd()}");
                    Thread.Yield();
                }
                snapshot.Kill();
                snapshot.WaitForExit();
                Assert.True(snapshot.ExitCode == 137, $"the snapshot was not killed while it copied: it ended with {snapshot.ExitCode}");
                var r = Snapshot(image, later);
                Assert.True(r.ExitCode == 0, r.ToString());
                Assert.True(run.WaitForExit(300_000), "the run did not end");
            }
            finally
            {
                if (!run.HasExited)
                    run.Kill(entireProcessTree: true);
            }
            Assert.Equal("PASS 12000", (await stdout).Trim());
            Assert.Equal(0, run.ExitCode);
        }
        ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "resume", half), 119);
        var resumed = ZhuqueCli.Run(_tmp["state"], "resume", later);
        Assert.True(resumed.ExitCode == 0 && resumed.Stdout.Trim() == "PASS 12000", resumed.ToString());
    }

    /// <summary>
    /// memcached under a stream of sets on one connection: every set
    /// acknowledged before the snapshot began is in the snapshot, resumed
    /// once the original stopped (it held the port); the original went on
    /// and acknowledged more meanwhile.
    /// </summary>
    [Fact]
    public void AMemcachedSnapshotHoldsEveryWriteAcknowledgedBeforeIt()
    {
        var memcached = Path.Combine(Repo.Root, "build", "memcached", "memcached");
        Assert.True(File.Exists(memcached), $"{memcached} is missing: run scripts/build-memcached (scripts/test does)");
        var port = Ports.Free();
        var image = _tmp["mc"];
        var snap = _tmp["mc-snap"];
        string[] args = ["-u", Environment.UserName, "-U", "0", "-l", "127.0.0.1", "-p", $"{port}", "-t", "4"];
        int before, total;
        using (var run = Start(image, memcached, args))
        {
            try
            {
                using var client = Connect(port);
                var acked = 0;
                var stop = false;
                string? failed = null;
                var writer = new Thread(() =>
                {
                    try
                    {
                        while (!Volatile.Read(ref stop) && client.Set($"key{acked}", $"value-{acked}") is var reply)
                        {
                            if (reply != "STORED")
                                throw new IOException($"set key{acked}: {reply}");
                            Volatile.Write(ref acked, acked + 1);
                        }
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException)
                    {
                        failed = e.Message; // the server went away: the test says why below
                    }
                });
                writer.Start();
                while (Volatile.Read(ref acked) < 2000 && writer.IsAlive)
                    Thread.Sleep(5);
                Assert.True(failed is null, $"memcached did not take the writes: {failed}");
                before = Volatile.Read(ref acked);
                var r = Snapshot(image, snap);
                Assert.True(r.ExitCode == 0, r.ToString());
                var after = Volatile.Read(ref acked);
                // The original holds the port: resuming the snapshot now is refused at once, naming it.
                var early = ZhuqueCli.Run(_tmp["state"], "resume", snap);
                Assert.Contains($"listens on 127.0.0.1:{port}, which another process holds (the image it is a snapshot of, {image}",
                    ZhuqueCli.AssertOneLineError(early, 121));
                while (Volatile.Read(ref acked) < after + 2000 && writer.IsAlive)
                    Thread.Sleep(5);
                Volatile.Write(ref stop, true);
                writer.Join();
                Assert.True(failed is null, $"the original stopped answering: {failed}");
                total = acked;
                Assert.Equal($"value-{total - 1}", client.Get($"key{total - 1}")); // the original went on
            }
            finally
            {
                if (!run.HasExited)
                    Term(run.Id);
                run.WaitForExit();
            }
        }
        var resumed = ResumeInBackground(snap);
        try
        {
            using var client = Connect(port);
            for (var i = 0; i < before; i++)
                Assert.Equal($"value-{i}", client.Get($"key{i}"));
            Assert.Null(client.Get($"key{total - 1}")); // written after the snapshot: not in it
        }
        finally
        {
            Term(resumed.Id);
            resumed.WaitForExit();
            resumed.Dispose();
        }
    }

    /// <summary>SIGTERM to zhuque, which passes it on to the program (memcached exits).</summary>
    static void Term(int pid) => Proc.Run("kill", ["-TERM", $"{pid}"]);

    Process ResumeInBackground(string image)
    {
        var info = new ProcessStartInfo(Repo.Zhuque) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("resume");
        info.ArgumentList.Add(image);
        info.Environment["XDG_STATE_HOME"] = _tmp["state"];
        var p = Process.Start(info)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        return p;
    }

    /// <summary>
    /// A plain musl-gcc program maps its image's copy of libc.so: the
    /// snapshot maps its own, and resumes once the original image is gone.
    /// </summary>
    [Fact]
    public async Task ADynamicProgramsSnapshotResumesWithoutItsOriginal()
    {
        var counter = dynamicPrograms.Get("counter");
        var want = Proc.Run(counter, []);
        Assert.True(want.ExitCode == 0, want.ToString());
        var image = _tmp["dyn"];
        var snap = _tmp["dyn-snap"];
        using (var run = Start(image, counter))
        {
            var stdout = run.StandardOutput.ReadToEndAsync();
            ProcResult r;
            for (var i = 0; (r = Snapshot(image, snap)).ExitCode is 119 or 123 && i < 200 && !r.Stderr.Contains("state exited", StringComparison.Ordinal); i++)
                Thread.Sleep(10); // until it runs
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.True(run.WaitForExit(60_000));
            Assert.Equal(want.Stdout, await stdout);
        }
        Directory.Delete(image, recursive: true);
        var resumed = ZhuqueCli.Run(_tmp["state"], "resume", snap);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(want.Stdout, resumed.Stdout);
    }

    [Fact]
    public void BadInputIsOneLineWithItsOwnCode()
    {
        var notImage = Directory.CreateDirectory(_tmp["plain"]).FullName;
        File.WriteAllText(Path.Combine(notImage, "x"), "x");
        ZhuqueCli.AssertOneLineError(Snapshot(notImage, _tmp["s1"]), 119);
        var exited = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["exited"], "--", programs.Zhuque("torture"), "1");
        Assert.True(exited.ExitCode == 0, exited.ToString());
        Assert.Contains("is not running", ZhuqueCli.AssertOneLineError(Snapshot(_tmp["exited"], _tmp["s2"]), 123));
        ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "snapshot", _tmp["exited"]), 125); // no --to
        Assert.False(Directory.Exists(_tmp["s2"]) && Directory.EnumerateFileSystemEntries(_tmp["s2"]).Any());
    }


    static Memcache Connect(int port)
    {
        for (var i = 0; ; i++)
        {
            var client = new TcpClient();
            try
            {
                client.Connect(IPAddress.Loopback, port);
                return new Memcache(client);
            }
            catch (SocketException) when (i < 400)
            {
                client.Dispose();
                Thread.Sleep(25);
            }
        }
    }

    /// <summary>memcached's text protocol, one request at a time.</summary>
    sealed class Memcache(TcpClient client) : IDisposable
    {
        readonly NetworkStream _stream = client.GetStream();
        readonly StreamReader _reader = new(client.GetStream(), Encoding.ASCII);

        public string Set(string key, string value)
        {
            _stream.Write(Encoding.ASCII.GetBytes($"set {key} 0 0 {value.Length}\r\n{value}\r\n"));
            return _reader.ReadLine() ?? "";
        }

        public string? Get(string key)
        {
            _stream.Write(Encoding.ASCII.GetBytes($"get {key}\r\n"));
            var line = _reader.ReadLine();
            if (line == "END")
                return null;
            Assert.StartsWith($"VALUE {key} ", line);
            var value = _reader.ReadLine();
            Assert.Equal("END", _reader.ReadLine());
            return value;
        }

        public void Dispose()
        {
            _reader.Dispose();
            client.Dispose();
        }
    }

    public void Dispose() => _tmp.Dispose();
}
