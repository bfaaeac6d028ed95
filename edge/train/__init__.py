"""Training the models from labelled data (PyTorch is imported only inside the trainers, and
``parameters`` needs none of it). Serving code imports nothing from here.
"""
