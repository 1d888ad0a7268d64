"""Generative models (생성 모델): autoencoders, the VAE and GANs, each a `keras.Model` that trains itself.

Every model here overrides `compute_loss` (autoencoders, VAE: one optimiser) or `train_step` (GANs:
two players), keeps Keras metric trackers, declares ``task = "generation"``, saves as ``.keras`` and
draws its random numbers from a `keras.random.SeedGenerator`, so `dlcourse.train.fit`, run
directories, resume and ``dlcourse train MODEL --data digits`` work for all of them. Import the
modules (`autoencoders`, `vae`, `gans`, `cyclegan`) or build by name with `dlcourse.models.get_model`.
"""
