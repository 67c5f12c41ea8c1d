"""asr-svc against pocketsphinx_continuous (see bench/asr/run for what is measured)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "interop"))
import grpc  # noqa: E402
import protostubs  # noqa: E402

OUT = Path(os.environ.get("BENCH_OUT", REPO / "bench" / "out" / "asr"))
AUDIO = OUT / "audio"
VOICES = os.environ.get("VOICES", "flite-slt flite-rms flite-awb festival-slt-hts espeak-ng").split()
CONDITIONS = os.environ.get("CONDITIONS", "clean 20 10 5").split()
CATALOG = REPO / "services" / "rec-svc" / "demo" / "products.jsonl"
MODEL = "/usr/share/pocketsphinx/model/en-us"


def queries() -> list[str]:
    text = (REPO / "Tests" / "ASRServiceTests" / "Test Utilities" / "TestAudio.swift").read_text()
    block = text.split("static let queries: [String] = [", 1)[1].split("]", 1)[0]
    return re.findall(r'^\s*"([^"]+)",', block, re.M)


def run(*cmd: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def synthesize(text: str, voice: str, path: Path) -> None:
    if voice == "festival-slt-hts":
        script = path.with_suffix(".txt")
        script.write_text(text)
        run("text2wave", str(script), "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", str(path))
        script.unlink()
    elif voice == "espeak-ng":
        run("espeak-ng", "-v", "en-us", "-w", str(path), text)
    else:
        run("flite", "-voice", voice.removeprefix("flite-"), "-t", text, "-o", str(path))


def rms(path: Path) -> float:
    out = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True).stderr
    return float(re.search(r"RMS\s+amplitude:\s+([0-9.e-]+)", out).group(1))


def audio(text: str, voice: str, condition: str) -> Path:
    AUDIO.mkdir(parents=True, exist_ok=True)
    key = re.sub(r"[^a-z0-9]+", "_", text)
    clean = AUDIO / f"{voice}-{key}.wav"
    if not clean.exists():
        synthesize(text, voice, clean)
    if condition == "clean":
        return clean
    noisy = AUDIO / f"{voice}-{key}-snr{condition}.wav"
    if not noisy.exists():
        padded, noise = noisy.with_suffix(".pad.wav"), noisy.with_suffix(".noise.wav")
        run("sox", str(clean), str(padded), "pad", "0.5", "0.5")
        rate = run("soxi", "-r", str(padded)).stdout.strip()
        seconds = run("soxi", "-D", str(padded)).stdout.strip()
        run("sox", "-R", "-n", "-r", rate, "-c", "1", "-b", "16", str(noise), "synth", seconds, "pinknoise", "vol", "0.5")
        gain = rms(clean) / rms(noise) / 10 ** (float(condition) / 20)
        run("sox", "-m", "-v", "1", str(padded), "-v", str(gain), str(noise), "-b", "16", str(noisy))
        padded.unlink()
        noise.unlink()
    return noisy


def as16k(path: Path) -> Path:
    """pocketsphinx_continuous needs 16 kHz mono."""
    if run("soxi", "-r", str(path)).stdout.strip() == "16000":
        return path
    converted = path.with_suffix(".16k.wav")
    if not converted.exists():
        run("sox", str(path), "-r", "16000", "-c", "1", "-b", "16", str(converted))
    return converted


def errors(reference: str, hypothesis: str) -> int:
    r, h = reference.split(), hypothesis.split()
    previous = list(range(len(h) + 1))
    for i, word in enumerate(r, 1):
        current = [i] + [0] * len(h)
        for j in range(1, len(h) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != h[j - 1]))
        previous = current
    return previous[-1]


def start_asr(decoders: int, cpu: str, *flags: str) -> tuple[subprocess.Popen, str]:
    binary = REPO / ".build" / "release" / "asr-svc"
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"asr-svc-{decoders}{''.join(flags)}.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["taskset", "-c", cpu, str(binary), "--listen", "127.0.0.1:0", "--catalog-file", str(CATALOG),
             "--decoders", str(decoders), "--event-loops", "1", *flags],
            stdout=sink, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            record = json.loads(line) if line.startswith("{") else {}
            if "listening" in record:
                return process, record["listening"]
        time.sleep(0.05)
    raise RuntimeError(f"asr-svc did not start; see {log}")


def wait_serving(pb, channel) -> None:
    health = pb.health_pb2_grpc.HealthStub(channel)
    while health.Check(pb.health_pb2.HealthCheckRequest(service=""), timeout=10).status != 1:
        time.sleep(0.05)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    pb = protostubs.load(OUT / "stubs")
    texts = queries()[: int(os.environ.get("QUERIES", "1000"))]
    print(f"bench/asr: {len(texts)} queries x {len(VOICES)} voices x {len(CONDITIONS)} conditions", flush=True)

    memory = {}
    for decoders in (1, 2):
        process, address = start_asr(decoders, "0")
        with grpc.insecure_channel(address) as channel:
            wait_serving(pb, channel)
            memory[decoders] = rss_kb(process.pid)
        process.terminate()
        process.wait()

    process, address = start_asr(1, "0")
    # The same asr-svc without its denoising front end, and with speexdsp's suppressor in place
    # of RNNoise, for the noisy conditions (WER only).
    raw_process, raw_address = start_asr(1, "1", "--denoise", "off")
    speex_process, speex_address = start_asr(1, "1", "--denoiser", "speexdsp")
    rows = []
    latencies = []
    try:
        with grpc.insecure_channel(address) as channel, grpc.insecure_channel(raw_address) as raw_channel, \
                grpc.insecure_channel(speex_address) as speex_channel:
            wait_serving(pb, channel)
            wait_serving(pb, raw_channel)
            wait_serving(pb, speex_channel)
            asr = pb.asr_pb2_grpc.ASRStub(channel)
            raw_asr = pb.asr_pb2_grpc.ASRStub(raw_channel)
            speex_asr = pb.asr_pb2_grpc.ASRStub(speex_channel)
            for voice in VOICES:
                for condition in CONDITIONS:
                    ours = {"errors": 0, "words": 0, "exact": 0, "decode": 0.0, "audio": 0.0}
                    base = {"errors": 0, "words": 0, "exact": 0, "decode": 0.0}
                    raw = {"errors": 0, "words": 0}
                    speex = {"errors": 0, "words": 0}
                    for text in texts:
                        path = audio(text, voice, condition)
                        data = path.read_bytes()
                        started = time.perf_counter()
                        reply = asr.Recognize(pb.asr_pb2.RecognizeRequest(audio=data), timeout=60)
                        ours["decode"] += time.perf_counter() - started
                        ours["audio"] += reply.audio_seconds
                        hypothesis = reply.alternatives[0].transcript if reply.alternatives else ""
                        wrong = errors(text, hypothesis)
                        ours["errors"] += wrong
                        ours["words"] += len(text.split())
                        ours["exact"] += wrong == 0
                        if condition != "clean":
                            for other, stub in ((raw, raw_asr), (speex, speex_asr)):
                                reply = stub.Recognize(pb.asr_pb2.RecognizeRequest(audio=data), timeout=60)
                                other["errors"] += errors(text, reply.alternatives[0].transcript if reply.alternatives else "")
                                other["words"] += len(text.split())
                        started = time.perf_counter()
                        result = subprocess.run(
                            ["taskset", "-c", "1", "pocketsphinx_continuous", "-infile", str(as16k(path)),
                             "-hmm", f"{MODEL}/en-us", "-lm", f"{MODEL}/en-us.lm.bin", "-dict",
                             f"{MODEL}/cmudict-en-us.dict", "-logfn", "/dev/null"],
                            capture_output=True, text=True)
                        base["decode"] += time.perf_counter() - started
                        hypothesis = " ".join(result.stdout.split())
                        wrong = errors(text, hypothesis)
                        base["errors"] += wrong
                        base["words"] += len(text.split())
                        base["exact"] += wrong == 0
                    rows.append((voice, condition, ours, base, raw, speex))
                    without = (f"(speexdsp {100 * speex['errors'] / speex['words']:5.1f}%, "
                               f"not denoised {100 * raw['errors'] / raw['words']:5.1f}%) " if raw["words"] else "")
                    print(
                        f"{voice:17} {condition:>5}  asr-svc WER {100 * ours['errors'] / ours['words']:5.1f}% {without}"
                        f"SA {100 * ours['exact'] / len(texts):3.0f}% RTF {ours['decode'] / ours['audio']:.3f}   "
                        f"pocketsphinx_continuous WER {100 * base['errors'] / base['words']:5.1f}% "
                        f"SA {100 * base['exact'] / len(texts):3.0f}% (process incl. model load {base['decode'] / len(texts):.2f} s/utt)",
                        flush=True)
            # Streaming latency: real-time pace, 100 ms chunks; time from the last chunk to the final.
            for text in texts:
                path = audio(text, "flite-rms", "clean")
                data = path.read_bytes()
                chunk = 3200
                sent = {}

                def chunks():
                    yield pb.asr_pb2.AudioChunk(config=pb.asr_pb2.RecognitionConfig(), audio=data[:chunk])
                    for offset in range(chunk, len(data), chunk):
                        time.sleep(0.1)
                        yield pb.asr_pb2.AudioChunk(audio=data[offset:offset + chunk])
                    sent["last"] = time.perf_counter()

                for response in asr.StreamingRecognize(chunks(), timeout=60):
                    if response.WhichOneof("result") == "final":
                        latencies.append(time.perf_counter() - sent.get("last", time.perf_counter()))
    finally:
        for running in (process, raw_process, speex_process):
            running.terminate()
            running.wait()

    latencies.sort()
    print(f"streaming: end of audio to final p50 {1000 * latencies[len(latencies) // 2]:.0f} ms, "
          f"p90 {1000 * latencies[int(len(latencies) * 0.9)]:.0f} ms, max {1000 * latencies[-1]:.0f} ms "
          f"({len(latencies)} utterances, flite-rms)")
    print(f"memory: asr-svc RSS {memory[1] / 1024:.0f} MB with 1 decoder, {memory[2] / 1024:.0f} MB with 2: "
          f"{(memory[2] - memory[1]) / 1024:.0f} MB per decoder")
    for group, name in (({"flite-slt", "flite-rms", "flite-awb", "festival-slt-hts"}, "flite+festival"), ({"espeak-ng"}, "espeak-ng")):
        for condition in CONDITIONS:
            selected = [r for r in rows if r[0] in group and r[1] == condition]
            if not selected:
                continue
            o = sum(r[2]["errors"] for r in selected) / sum(r[2]["words"] for r in selected)
            b = sum(r[3]["errors"] for r in selected) / sum(r[3]["words"] for r in selected)
            rtf = sum(r[2]["decode"] for r in selected) / sum(r[2]["audio"] for r in selected)
            raw_words = sum(r[4]["words"] for r in selected)
            without = (f" (speexdsp {100 * sum(r[5]['errors'] for r in selected) / raw_words:5.1f}%, "
                       f"not denoised {100 * sum(r[4]['errors'] for r in selected) / raw_words:5.1f}%)" if raw_words else "")
            print(f"summary {name:15} {condition:>5}: asr-svc WER {100 * o:5.1f}%{without} RTF {rtf:.3f}; "
                  f"pocketsphinx_continuous WER {100 * b:5.1f}%")


if __name__ == "__main__":
    main()
