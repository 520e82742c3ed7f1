"""How steady is this machine? Times one fixed operation (a 256x256 matrix product, PyTorch, one thread) on the
thread's own CPU clock for a minute and prints the lower quartile of every one-second window. On a machine whose
cores are shared with other virtual machines the windows differ although the work does not; a latency table made
in one minute and checked in another carries that difference.

Run: flock /tmp/timing.lock /usr/bin/python3 benchmarks/python/machine_drift.py
"""
import time, torch
torch.set_num_threads(1)
a=torch.randn(256,256); b=torch.randn(256,256)
res=[]
t_end=time.time()+60
while time.time()<t_end:
    ts=[]
    w0=time.time()
    while time.time()-w0<1.0:
        t=time.thread_time_ns(); 
        for _ in range(20): torch.mm(a,b)
        ts.append((time.thread_time_ns()-t)/20/1e3)
    ts.sort(); res.append(ts[len(ts)//4])
print("per-second lower-quartile mm256 time (us):", " ".join("%.0f"%r for r in res))
print("min %.0f max %.0f ratio %.2f"%(min(res),max(res),max(res)/min(res)))
