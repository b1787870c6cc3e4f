"""A study for the probe notebook: does fine-tuning help the probe's best single summary (the channel covariance of
EfficientNet-Lite0's fourth stage)? Stages 0-2 stay frozen and their output is computed once (cached under /tmp);
stage 3 (blocks 3 and 4, batch-norm statistics frozen) and a linear head, started from the frozen features' logistic
regression, are trained with AdamW (weight decay 0.05, batches of 32, random horizontal flips of the cached maps).
Same seeded 70/30 split as frozen_features.py; prints the frozen baseline, then held-out accuracy and AUC after every epoch
(a learning curve to read, not a model selection: the last epoch is the result).

Run from the repository root:  python benchmarks/partial_finetune.py ../shared/data/faces 256 EPOCHS LR
"""
import os, sys, time, copy, numpy as np, torch, torch.nn as nn
os.environ['HF_HUB_OFFLINE']='1'
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn_accuracy import holdout_split
from deepfake_detect.core import tune_malloc, open_image; tune_malloc()
from deepfake_detect.probe import backbone, _inputs, _cov
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
data, size = sys.argv[1], int(sys.argv[2]); epochs = int(sys.argv[3]); lr = float(sys.argv[4])
torch.manual_seed(0)
net = backbone(device='cpu'); tr, te = holdout_split(data, 0.3)
y = lambda fs: torch.tensor([os.path.basename(os.path.dirname(f)).lower() != 'ai' for f in fs], dtype=torch.float32)
cache = f'/tmp/deepfake_detect_stage2_{os.path.basename(os.path.normpath(data))}_{size}.pt'
if not os.path.exists(cache):
    def s2(files):
        out = []
        with torch.inference_mode():
            for i in range(0, len(files), 32):
                x = _inputs(net, [np.array(open_image(f)) for f in files[i:i+32]], size)
                h = net.bn1(net.conv_stem(x))
                for b in net.blocks[:3]: h = b(h)
                out.append(h.clone())
        return torch.cat(out)
    torch.save(dict(tr=s2(tr), te=s2(te)), cache)
c = torch.load(cache); Xtr, Xte, ytr, yte = c['tr'], c['te'], y(tr), y(te)
stage = copy.deepcopy(nn.Sequential(net.blocks[3], net.blocks[4])).eval()
def feats(m, X, bs=64):
    return torch.cat([_cov(m(X[i:i+bs])) for i in range(0, len(X), bs)])
with torch.no_grad(): Ftr, Fte = feats(stage, Xtr), feats(stage, Xte)
mu, sd = Ftr.mean(0), Ftr.std(0) + 1e-6
lrm = LogisticRegression(C=0.01, max_iter=3000).fit(((Ftr-mu)/sd).numpy(), ytr.numpy())
Lte = torch.from_numpy(lrm.decision_function(((Fte-mu)/sd).numpy()))
print(f'frozen stage-3 cov + LR: acc {((Lte>0).float()==yte).float().mean():.3f} auc {roc_auc_score(yte, Lte):.3f}', flush=True)
head = nn.Linear(Ftr.shape[1], 1); head.weight.data = torch.tensor(lrm.coef_, dtype=torch.float32); head.bias.data = torch.tensor(lrm.intercept_, dtype=torch.float32)
opt = torch.optim.AdamW([dict(params=stage.parameters(), lr=lr), dict(params=head.parameters(), lr=lr)], weight_decay=0.05)
lossf = nn.BCEWithLogitsLoss()
for ep in range(epochs):
    t0 = time.time(); perm = torch.randperm(len(Xtr)); stage.eval()  # BN statistics stay frozen
    tot = 0
    for i in range(0, len(perm), 32):
        idx = perm[i:i+32]; xb = Xtr[idx]
        if torch.rand(1) < 0.5: xb = xb.flip(3)
        logit = head((_cov(stage(xb)) - mu)/sd)[:, 0]
        loss = lossf(logit, ytr[idx]) ; opt.zero_grad(); loss.backward(); opt.step(); tot += loss.item()*len(idx)
    with torch.no_grad(): L = head((feats(stage, Xte) - mu)/sd)[:, 0]
    print(f'epoch {ep+1} train loss {tot/len(perm):.3f} held-out acc {((L>0).float()==yte).float().mean():.3f} auc {roc_auc_score(yte, L):.3f} {time.time()-t0:.0f}s', flush=True)
