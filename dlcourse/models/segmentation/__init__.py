"""Segmentation models: FCN-32s/16s/8s on any registered backbone, and U-Net.

Long et al., "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015; Ronneberger et
al., "U-Net: Convolutional Networks for Biomedical Image Segmentation", MICCAI 2015. The tools
they share (transposed convolution, bilinear kernels, Dice loss, IoU) are in `dlcourse.segmentation`.
"""
