"""`python -m seglab_trainer predict`: the PyTorch engine of prediction jobs. It runs a training job's checkpoint
and writes what `seglab prelabel` writes for its exported model.onnx (indexed PNG masks, `.seglab-model.json`,
progress lines), following the pre-labeler's rules (src/core/model/) for the cards the trainer writes; any other
card is refused naming its field, and the service then runs the ONNX engine (node dist/cli.js prelabel)."""
