"""The one place that decides: is this sentence an answer? is this claim supported? is this an
instruction planted in an article?

Answers, briefs and evals all ask the judge the same questions, so they mean the same thing
by "supported". The judge knows nothing of the UI, the catalog or the model backend.
"""
